/**
 * Push subscriptions end to end on the local stack: the HTTP API creates
 * them, produce appends records, DynamoDB Local's stream on the log table
 * wakes the dispatcher (no client polls anything), and a real node:http
 * receiver on loopback gets the batches.
 */
import { createHmac } from 'node:crypto';
import { ApiClient, expectError, uniqueName } from '../support/http';
import { startTestStack, type TestStack } from '../support/backends';
import { WebhookReceiver } from '../support/webhook-receiver';

let stack: TestStack;
let api: ApiClient;
let receiver: WebhookReceiver;

beforeAll(async () => {
  stack = await startTestStack({ local: true });
  api = new ApiClient(stack.url, stack.token);
});
afterAll(async () => {
  await stack?.stop();
});
beforeEach(async () => {
  receiver = await new WebhookReceiver().start();
});
afterEach(async () => {
  await receiver.stop();
});

async function createTopic(partitions = 1, extra: Record<string, unknown> = {}): Promise<string> {
  const name = uniqueName('push');
  const res = await api.post('/v1/topics', { name, partitions, ...extra });
  expect(res.status).toBe(201);
  return name;
}

async function subscribe(topic: string, body: Record<string, unknown> = {}) {
  const res = await api.post(`/v1/topics/${topic}/subscriptions`, {
    name: uniqueName('sub'),
    target: { type: 'https', url: `${receiver.url}/hook` },
    ...body,
  });
  expect(res.status).toBe(201);
  return res.body as { name: string; signingSecret: string };
}

async function produce(topic: string, records: unknown[]): Promise<void> {
  const res = await api.post(`/v1/topics/${topic}/records`, { records });
  expect(res.status).toBe(200);
}

/** Standard Webhooks, computed here independently of the service's signer. */
function expectedSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

describe('Push subscriptions over the local stack', () => {
  it('delivers new records in order, signed, without any client polling', async () => {
    const topic = await createTopic();
    const sub = await subscribe(topic);
    expect(sub.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    await produce(topic, [{ key: 'a', value: 1 }, { key: 'b', value: 2 }]);
    await produce(topic, [{ key: 'c', value: 3 }]);
    await receiver.waitFor(() => receiver.delivered().length >= 3, 'three records');
    expect(receiver.delivered().map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(receiver.delivered().map((r) => r.value)).toEqual([1, 2, 3]);
    const first = receiver.deliveries[0]!;
    expect(first.body).toMatchObject({ topic, subscription: sub.name, partition: 0 });
    const id = String(first.headers['webhook-id']);
    const timestamp = String(first.headers['webhook-timestamp']);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(120);
    expect(first.headers['webhook-signature']).toBe(expectedSignature(sub.signingSecret, id, timestamp, first.raw));
    // The description never shows the secret; it shows the committed offset and lag.
    const described = await api.get(`/v1/topics/${topic}/subscriptions/${sub.name}`);
    expect(described.status).toBe(200);
    expect(described.text).not.toContain(sub.signingSecret);
    expect(described.body.partitions).toEqual([
      { partition: 0, committedOffset: 3, endOffset: 3, lag: 0, consecutiveFailures: 0, nextAttemptAt: null, lastError: null },
    ]);
  });

  it('starts at the end offsets of the create by default, and at the start with startFrom earliest', async () => {
    const topic = await createTopic();
    await produce(topic, [{ value: 'old' }]);
    const latest = await subscribe(topic);
    const earliest = await subscribe(topic, { startFrom: 'earliest' });
    await produce(topic, [{ value: 'new' }]);
    await receiver.waitFor(() => receiver.delivered().length >= 3, 'old once and new twice');
    const by = (name: string) => receiver.deliveries.filter((d) => d.body.subscription === name).flatMap((d) => d.body.records.map((r) => r.value));
    expect(by(latest.name)).toEqual(['new']);
    expect(by(earliest.name)).toEqual(['old', 'new']);
  });

  it('retries a failing batch with the same webhook-id while later records wait, then keeps order', async () => {
    const topic = await createTopic();
    let failures = 2;
    receiver.respond = () => (failures-- > 0 ? 503 : 200);
    await subscribe(topic);
    await produce(topic, [{ value: 0 }]);
    await receiver.waitFor(() => receiver.deliveries.length >= 1, 'the first try');
    await produce(topic, [{ value: 1 }, { value: 2 }]);
    await receiver.waitFor(() => receiver.delivered().length >= 3, 'all three records');
    const ids = receiver.deliveries.map((d) => [d.headers['webhook-id'], d.status, d.body.records.map((r) => r.offset)]);
    // The batch is fixed at its first try: [0] three times under one id, then [1, 2].
    expect(ids.slice(0, 3).map(([id]) => id)).toEqual([ids[0]![0], ids[0]![0], ids[0]![0]]);
    expect(ids.slice(0, 3).map(([, status, offsets]) => [status, offsets])).toEqual([
      [503, [0]],
      [503, [0]],
      [200, [0]],
    ]);
    expect(receiver.delivered().map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(new Set(receiver.deliveries.map((d) => d.headers['webhook-id'])).size).toBe(2);
  });

  it('dead-letters the poison record after bisecting and delivers the records after it', async () => {
    const topic = await createTopic();
    receiver.respond = (d) => (d.body.records.some((r) => (r.value as { poison?: boolean }).poison) ? 500 : 200);
    const sub = await subscribe(topic, { maxDeliveryAttempts: 2, maxBatchRecords: 4 });
    await produce(topic, [{ value: { n: 0 } }, { value: { n: 1 } }, { value: { n: 2, poison: true } }, { value: { n: 3 } }, { value: { n: 4 } }]);
    await receiver.waitFor(() => receiver.delivered().length >= 4, 'the four good records', 45_000);
    expect(receiver.delivered().map((r) => r.offset)).toEqual([0, 1, 3, 4]);
    const letters = await api.get(`/v1/topics/${topic}/dead-letters?group=${sub.name}`);
    expect(letters.body.deadLetters).toHaveLength(1);
    expect(letters.body.deadLetters[0]).toMatchObject({ group: sub.name, offset: 2, value: { n: 2, poison: true }, deliveryAttempts: 2 });
    expect(letters.body.deadLetters[0].lastError).toContain('500');
    // A split batch has its own webhook-id: no id ever covers two different offset ranges.
    const ranges = new Map<string, string>();
    for (const d of receiver.deliveries) {
      const id = String(d.headers['webhook-id']);
      const range = d.body.records.map((r) => r.offset).join(',');
      expect(ranges.get(id) ?? range).toBe(range);
      ranges.set(id, range);
    }
  }, 60_000);

  it('410 Gone disables the subscription at its offset; re-activating resumes from there', async () => {
    const topic = await createTopic();
    receiver.respond = () => 410;
    const sub = await subscribe(topic);
    await produce(topic, [{ value: 'x' }]);
    await receiver.waitFor(() => receiver.deliveries.length >= 1, 'the refused delivery');
    await waitForState(topic, sub.name, 'disabled');
    const described = await api.get(`/v1/topics/${topic}/subscriptions/${sub.name}`);
    expect(described.body.partitions[0].committedOffset).toBe(0);
    receiver.respond = () => 200;
    expect((await api.patch(`/v1/topics/${topic}/subscriptions/${sub.name}`, { state: 'active' })).status).toBe(200);
    await receiver.waitFor(() => receiver.delivered().length >= 1, 'the redelivery');
    expect(receiver.delivered().map((r) => r.value)).toEqual(['x']);
  });

  it('a paused subscription delivers nothing until resumed', async () => {
    const topic = await createTopic();
    const sub = await subscribe(topic);
    expect((await api.patch(`/v1/topics/${topic}/subscriptions/${sub.name}`, { state: 'paused' })).body.state).toBe('paused');
    await produce(topic, [{ value: 'held' }]);
    await waitForLag(topic, sub.name, 1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.deliveries).toHaveLength(0);
    await api.patch(`/v1/topics/${topic}/subscriptions/${sub.name}`, { state: 'active' });
    await receiver.waitFor(() => receiver.delivered().length >= 1, 'the held record');
    expect(receiver.delivered().map((r) => r.value)).toEqual(['held']);
  });

  it('waits up to maxBatchingWindowMs to fill a batch', async () => {
    const topic = await createTopic();
    await subscribe(topic, { maxBatchingWindowMs: 2000, maxBatchRecords: 10 });
    for (const value of [1, 2, 3]) await produce(topic, [{ value }]);
    await receiver.waitFor(() => receiver.delivered().length >= 3, 'the three records');
    expect(receiver.deliveries.map((d) => d.body.records.map((r) => r.value))).toEqual([[1, 2, 3]]);
  });

  it('passes over records that do not match the filter', async () => {
    const topic = await createTopic();
    const sub = await subscribe(topic, { filter: { keys: ['order.*.eu'], headers: { match: 'any', values: { tier: 'gold', vip: null } } } });
    await produce(topic, [
      { key: 'order.1.eu', value: 'no header', headers: {} },
      { key: 'order.2.eu', value: 'gold', headers: { tier: 'gold' } },
      { key: 'order.3.us', value: 'wrong key', headers: { tier: 'gold' } },
      { key: 'order.4.eu', value: 'vip', headers: { vip: 'yes' } },
    ]);
    await receiver.waitFor(() => receiver.delivered().length >= 2, 'the two matching records');
    await waitForLag(topic, sub.name, 0);
    expect(receiver.delivered().map((r) => r.value)).toEqual(['gold', 'vip']);
  });

  it('lists, describes, rotates the secret (both signatures for a day) and deletes', async () => {
    const topic = await createTopic(2);
    const sub = await subscribe(topic);
    expectError(await api.post(`/v1/topics/${topic}/subscriptions`, { name: sub.name, target: { type: 'https', url: receiver.url } }), 409, 'SUBSCRIPTION_EXISTS');
    const listed = await api.get(`/v1/topics/${topic}/subscriptions`);
    expect(listed.body.subscriptions.map((s: { name: string }) => s.name)).toEqual([sub.name]);
    expect(listed.text).not.toContain('whsec_');
    const rotated = await api.patch(`/v1/topics/${topic}/subscriptions/${sub.name}`, { rotateSecret: true });
    expect(rotated.status).toBe(200);
    expect(rotated.body.signingSecret).toMatch(/^whsec_/);
    expect(rotated.body.signingSecret).not.toBe(sub.signingSecret);
    await produce(topic, [{ value: 1, partition: 1 }]);
    await receiver.waitFor(() => receiver.delivered().length >= 1, 'the record');
    const d = receiver.deliveries[0]!;
    const [id, ts] = [String(d.headers['webhook-id']), String(d.headers['webhook-timestamp'])];
    expect(String(d.headers['webhook-signature']).split(' ')).toEqual([
      expectedSignature(rotated.body.signingSecret, id, ts, d.raw),
      expectedSignature(sub.signingSecret, id, ts, d.raw),
    ]);
    const groups = await api.get(`/v1/topics/${topic}/subscriptions/${sub.name}`);
    expect(groups.body.partitions.map((p: { partition: number }) => p.partition)).toEqual([0, 1]);
    expect((await api.delete(`/v1/topics/${topic}/subscriptions/${sub.name}`)).status).toBe(204);
    expectError(await api.get(`/v1/topics/${topic}/subscriptions/${sub.name}`), 404, 'NOT_FOUND');
    expectError(await api.delete(`/v1/topics/${topic}/subscriptions/${sub.name}`), 404, 'NOT_FOUND');
  });

  it('refuses targets inside the network (no record is produced, nothing is sent)', async () => {
    const topic = await createTopic();
    for (const url of [
      'https://10.0.0.8/hook',
      'https://192.168.1.1/',
      'https://169.254.169.254/latest/meta-data/',
      'https://[fd00:ec2::254]/',
      'https://[::ffff:127.0.0.1]/',
      'https://[::1]/',
      'http://example.com/hook',
      'ftp://127.0.0.1/',
      'https://user:pw@127.0.0.1/',
    ]) {
      const res = await api.post(`/v1/topics/${topic}/subscriptions`, { name: uniqueName('bad'), target: { type: 'https', url } });
      expectError(res, 400, 'INVALID_REQUEST');
      expect(res.body.error.message).toContain('target.url');
    }
    expectError(
      await api.post(`/v1/topics/${topic}/subscriptions`, {
        name: 'fn',
        target: { type: 'lambda', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:anything' },
      }),
      400,
      'INVALID_REQUEST',
    );
    expect((await api.get(`/v1/topics/${topic}/subscriptions`)).body.subscriptions).toEqual([]);
  });

  it('answers 400 naming the field for bad bodies', async () => {
    const topic = await createTopic();
    const bad = [
      [{ name: 'x' }, 'target'],
      [{ name: 'a#b', target: { type: 'https', url: receiver.url } }, 'name'],
      [{ name: 'x', target: { type: 'https', url: receiver.url }, maxBatchRecords: 0 }, 'maxBatchRecords'],
      [{ name: 'x', target: { type: 'https', url: receiver.url }, filter: { keys: ['ord*'] } }, 'filter.keys[0]'],
      [{ name: 'x', target: { type: 'https', url: receiver.url }, extra: 1 }, 'extra'],
    ] as const;
    for (const [body, field] of bad) {
      const res = expectError(await api.post(`/v1/topics/${topic}/subscriptions`, body), 400, 'INVALID_REQUEST');
      expect(res.body.error.message).toContain(field);
    }
    expectError(await api.post(`/v1/topics/nope-${Date.now()}/subscriptions`, { name: 'x', target: { type: 'https', url: receiver.url } }), 404, 'TOPIC_NOT_FOUND');
  });
});

async function waitForState(topic: string, name: string, state: string): Promise<void> {
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    if ((await api.get(`/v1/topics/${topic}/subscriptions/${name}`)).body.state === state) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`subscription ${name} never became ${state}`);
}

async function waitForLag(topic: string, name: string, lag: number): Promise<void> {
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    const res = await api.get(`/v1/topics/${topic}/subscriptions/${name}`);
    if (res.body.partitions.reduce((n: number, p: { lag: number }) => n + p.lag, 0) === lag) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`subscription ${name} never had lag ${lag}`);
}
