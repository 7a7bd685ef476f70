/**
 * The share-group consumer of the client SDK and the `tributary share`
 * commands against the local stack: `for await` with accept/release/reject,
 * concurrency, automatic lock renewal while a handler runs, acks sent
 * together, and the CLI's receive/ack/describe/reset.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { TributaryClient, type ShareRecord } from '@tributary/client';
import { startTestStack, type TestStack } from '../support/backends';
import { buildCli } from '../support/cli';

const BIN = buildCli();
let stack: TestStack;
let client: TributaryClient;
let counter = 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startTestStack({ local: true });
  client = new TributaryClient({ url: stack.url, token: stack.token });
});
afterAll(async () => {
  await stack.stop();
});

async function filledTopic(partitions: number, count: number, extra: { maxDeliveryAttempts?: number } = {}): Promise<string> {
  const name = `share-client-${++counter}-${Date.now().toString(36)}`;
  await client.admin.createTopic({ name, partitions, ...extra });
  const producer = client.producer();
  await producer.send({ topic: name, records: Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: { i } })) });
  return name;
}

function tributary(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env, TRIBUTARY_URL: stack.url, TRIBUTARY_TOKEN: stack.token };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: resolve(__dirname, '../..') });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

describe('ShareConsumer', () => {
  it('iterates with for await, processes 4 records at once, and accepts each record exactly once', async () => {
    const topic = await filledTopic(2, 40);
    const consumer = client.shareConsumer({ group: 'iter', topic, concurrency: 4, autoOffsetReset: 'earliest', waitMs: 500 });
    const seen = new Set<string>();
    let inFlight = 0;
    let most = 0;
    const work: Array<Promise<void>> = [];
    for await (const record of consumer) {
      seen.add(`${record.partition}:${record.offset}`);
      inFlight += 1;
      most = Math.max(most, inFlight);
      work.push(
        sleep(20).then(async () => {
          inFlight -= 1;
          expect(await record.accept()).toBe('accepted');
        }),
      );
      if (seen.size === 40) await consumer.stop();
    }
    await Promise.all(work);
    expect(seen.size).toBe(40);
    expect(most).toBeLessThanOrEqual(4);
    expect(most).toBeGreaterThan(1);
    const described = await client.shareGroups.describe('iter', topic);
    expect(described.partitions.map((p) => [p.available, p.acquired])).toEqual([[0, 0], [0, 0]]);
  });

  it('renews the lock while a handler runs longer than the lock, so no other consumer gets the record', async () => {
    const topic = await filledTopic(1, 1);
    const slow = client.shareConsumer({ group: 'renew', topic, lockMs: 1000, autoOffsetReset: 'earliest', waitMs: 200 });
    const other = client.shareConsumer({ group: 'renew', topic, lockMs: 1000, autoOffsetReset: 'earliest' });
    let stolen = 0;
    let status: string | undefined;
    await slow.run({
      eachRecord: async () => {
        for (let i = 0; i < 5; i++) {
          await sleep(500);
          stolen += (await other.receive({ waitMs: 0 })).length;
        }
        await slow.stop();
      },
    });
    const d = await client.shareGroups.describe('renew', topic);
    status = d.partitions[0]?.startOffset === 1 ? 'accepted' : 'not accepted';
    expect(stolen).toBe(0);
    expect(status).toBe('accepted');
  });

  it('releases a record whose handler throws (redelivered as attempt 2), and rejects to the dead letters', async () => {
    const topic = await filledTopic(1, 2);
    const consumer = client.shareConsumer({ group: 'fail', topic, autoOffsetReset: 'earliest', waitMs: 300 });
    const attempts: Array<[number, number]> = [];
    await consumer.run({
      eachRecord: async (record: ShareRecord) => {
        attempts.push([record.offset, record.deliveryAttempt]);
        if (record.offset === 0 && record.deliveryAttempt === 1) throw new Error('flaky');
        if (record.offset === 1) {
          expect(await record.reject('poison')).toBe('dead-lettered');
          throw new Error('already settled');
        }
        if (attempts.length >= 3) await consumer.stop();
      },
    });
    expect(attempts).toEqual(expect.arrayContaining([[0, 1], [1, 1], [0, 2]]));
    const letters = await client.admin.listAllDeadLetters(topic, { group: 'fail' });
    expect(letters.map((l) => [l.offset, l.lastError])).toEqual([[1, 'poison']]);
  });
});

describe('tributary share', () => {
  it('receives, acks from standard input, describes and resets', async () => {
    const topic = await filledTopic(1, 5);
    const received = await tributary(['share', 'receive', 'cli', '-t', topic, '-n', '3', '--from-beginning', '--wait-ms', '0']);
    expect(received.code).toBe(0);
    const lines = received.stdout.trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).offset)).toEqual([0, 1, 2]);
    const acked = await tributary(['share', 'ack', 'cli', '-t', topic, '--type', 'accept', '--stdin', '--json'], received.stdout);
    expect(acked.code).toBe(0);
    expect(JSON.parse(acked.stdout).results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    const described = await tributary(['share', 'describe', 'cli', '-t', topic, '--json']);
    expect(JSON.parse(described.stdout).partitions[0]).toMatchObject({ startOffset: 3, available: 2, acquired: 0 });
    const reset = await tributary(['share', 'reset', 'cli', '-t', topic, '--to', 'offset:1', '--json']);
    expect(JSON.parse(reset.stdout).offsets).toEqual([{ partition: 0, committedOffset: 1 }]);
    const bad = await tributary(['share', 'reset', 'cli', '-t', topic, '--to', 'first']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--to must be');
  });
});
