/**
 * The `tributary` CLI driven as a user would: each command is a real
 * process (the package's compiled bin, packages/client/dist/cli.mjs, rebuilt
 * from the current sources before the tests, on this Node) against the local stack running
 * in-process, connected through TRIBUTARY_URL / TRIBUTARY_TOKEN or a
 * `.local/stack.json`. Checks what it prints, what it commits, and its exit
 * codes.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TributaryClient } from '@tributary/client';
import { startTestStack, type TestStack } from '../support/backends';
import { buildCli, CLI_BIN } from '../support/cli';

const BIN = CLI_BIN;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  input?: string;
  /** Replaces the connection variables (undefined removes one). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Called with the child and its stdout so far, on each chunk (to signal it mid-run). */
  onStdout?: (stdout: string, kill: (signal: NodeJS.Signals) => void) => void;
}

let stack: TestStack;
let client: TributaryClient;
let connection: Record<string, string>;
let counter = 0;

beforeAll(async () => {
  buildCli();
  stack = await startTestStack({ local: true });
  client = new TributaryClient({ url: stack.url, token: stack.token });
  connection = { TRIBUTARY_URL: stack.url, TRIBUTARY_TOKEN: stack.token };
});
afterAll(async () => {
  await stack.stop();
});

function tributary(args: string[], options: RunOptions = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...connection, ...options.env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: options.cwd ?? resolve(__dirname, '../..') });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout, (signal) => child.kill(signal));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs and expects exit code 0, showing stderr when it is not. */
async function ok(args: string[], options?: RunOptions): Promise<string> {
  const run = await tributary(args, options);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  if (run.code !== 0) throw new Error(run.stderr);
  return run.stdout;
}

const json = async <T = any>(args: string[], options?: RunOptions): Promise<T> => JSON.parse(await ok([...args, '--json'], options)) as T; // eslint-disable-line @typescript-eslint/no-explicit-any
const lines = (stdout: string) => stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
const uniqueTopic = (label: string) => `cli-${label}-${++counter}-${Date.now().toString(36)}`;

describe('the 1,000-line round trip', () => {
  const topic = uniqueTopic('pipe');
  // A mix of JSON objects, plain strings and JSON numbers, all distinct.
  const input = Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? JSON.stringify({ n: i }) : i % 3 === 1 ? `plain line ${i}` : String(i)));
  const expectedValues = input.map((line, i) => (i % 3 === 1 ? line : JSON.parse(line)));

  test('topics create makes a 4-partition topic', async () => {
    const created = await json(['topics', 'create', topic, '--partitions', '4']);
    expect(created.name).toBe(topic);
    expect(created.partitions).toHaveLength(4);
  });

  test('produce sends one record per stdin line', async () => {
    const summary = await json(['produce', topic], { input: `${input.join('\n')}\n` });
    expect(summary.records).toBe(1000);
    expect(summary.partitions.reduce((sum: number, p: { count: number }) => sum + p.count, 0)).toBe(1000);
    const described = await client.admin.describeTopic(topic);
    expect(described.partitions.reduce((sum, p) => sum + p.endOffset, 0)).toBe(1000);
  });

  test('consume --from-beginning --max 1000 prints every record exactly once', async () => {
    const records = lines(await ok(['consume', topic, '--group', 'readers', '--from-beginning', '--max', '1000', '--json']));
    expect(records).toHaveLength(1000);
    for (const record of records) expect(Object.keys(record)).toEqual(['partition', 'offset', 'key', 'value', 'headers', 'timestamp']);
    const seen = records.map((r) => JSON.stringify(r.value)).sort();
    expect(seen).toEqual(expectedValues.map((v) => JSON.stringify(v)).sort());
    expect(new Set(records.map((r) => `${r.partition}:${r.offset}`)).size).toBe(1000);
    for (const partition of [0, 1, 2, 3]) {
      const offsets = records.filter((r) => r.partition === partition).map((r) => r.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i)); // ascending from 0, no gaps
    }
  });

  test('groups describe shows lag 0, and a second consume finds nothing left', async () => {
    const group = await json(['groups', 'describe', 'readers', '--topic', topic]);
    expect(group.partitions).toHaveLength(4);
    expect(group.partitions.map((p: { lag: number }) => p.lag)).toEqual([0, 0, 0, 0]);
    expect(group.partitions.reduce((sum: number, p: { committedOffset: number }) => sum + p.committedOffset, 0)).toBe(1000);

    const table = await ok(['groups', 'describe', 'readers', '--topic', topic]);
    expect(table).toContain('total lag 0');
    expect(table).toMatch(/Partition.*Committed offset.*End offset.*Lag/);

    expect(await ok(['consume', topic, '--group', 'readers'])).toBe('');
  });

  test('groups list --topic shows each group reading the topic with its lag and members', async () => {
    const listed = await json(['groups', 'list', '--topic', topic]);
    expect(listed.groups).toContainEqual({ group: 'readers', type: 'consumer', lag: 0, members: expect.any(Number) });
    const table = await ok(['groups', 'list', '--topic', topic]);
    expect(table).toMatch(/Group\W+Type\W+Lag\W+Members/);
    expect(table).toMatch(/readers\W+consumer\W+0\W/);
  });

  test('fetch reads a partition from an offset', async () => {
    const { partitions } = await client.admin.describeTopic(topic);
    const fullest = partitions.reduce((a, b) => (b.endOffset > a.endOffset ? b : a));
    const first = lines(await ok(['fetch', topic, '--partition', String(fullest.partition), '--limit', '3']));
    expect(first.map((r) => r.offset)).toEqual([0, 1, 2]);
    const middle = lines(await ok(['fetch', topic, '-p', String(fullest.partition), '--offset', '5', '--limit', '2', '--json']));
    expect(middle.map((r) => r.offset)).toEqual([5, 6]);
    const all = lines(await ok(['fetch', topic, '-p', String(fullest.partition), '--offset', 'earliest', '--limit', '5000']));
    expect(all).toHaveLength(fullest.endOffset);
  });
});

describe('topics', () => {
  test('list, describe (table and JSON), update, delete; exit codes for missing and existing topics', async () => {
    const topic = uniqueTopic('admin');
    expect(await ok(['topics', 'create', topic, '-p', '2', '--max-delivery-attempts', '3'])).toContain(`Created topic ${topic}`);

    const listed = await json(['topics', 'list']);
    expect(listed.topics).toContainEqual({ name: topic, partitions: 2 });
    expect(await ok(['topics', 'list'])).toContain(topic);

    const described = await json(['topics', 'describe', topic]);
    expect(described.config.maxDeliveryAttempts).toBe(3);
    expect(await ok(['topics', 'describe', topic])).toMatch(/Partition.*Start offset.*End offset/);

    const updated = await json(['topics', 'update', topic, '--partitions', '3']);
    expect(updated.partitions).toHaveLength(3);

    const again = await tributary(['topics', 'create', topic, '-p', '2']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('TOPIC_EXISTS');
    expect((await tributary(['topics', 'create', topic, '-p', '2', '--if-not-exists'])).code).toBe(0);

    expect(await json(['topics', 'delete', topic])).toEqual({ topic, deleted: true });
    const missing = await tributary(['topics', 'describe', topic]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(`TOPIC_NOT_FOUND: Topic '${topic}' does not exist.`);
    expect(missing.stdout).toBe('');
    expect((await tributary(['topics', 'delete', topic, '--if-exists'])).code).toBe(0);
  });

  test('produce to an unknown topic fails with its API code and says how much was stored', async () => {
    const run = await tributary(['produce', uniqueTopic('nowhere')], { input: 'a\nb\n' });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('TOPIC_NOT_FOUND');
    expect(run.stderr).toContain('0 record(s) were stored');
  });
});

describe('fetch', () => {
  test('--limit above the API page size pages on from nextOffset; latest is empty; a bad offset exits 1 with its code', async () => {
    const topic = uniqueTopic('paging');
    await client.admin.createTopic({ name: topic, partitions: 1 });
    await client.producer().send({ topic, records: Array.from({ length: 1300 }, (_, i) => ({ value: i })) });

    const records = lines(await ok(['fetch', topic, '--partition', '0', '--limit', '1200']));
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 1200 }, (_, i) => i));
    expect(lines(await ok(['fetch', topic, '-p', '0', '--offset', '1250', '--limit', '1000']))).toHaveLength(50);
    expect(await ok(['fetch', topic, '-p', '0', '--offset', 'latest'])).toBe('');

    const outside = await tributary(['fetch', topic, '-p', '0', '--offset', '5000']);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain('OFFSET_OUT_OF_RANGE');
    const noPartition = await tributary(['fetch', topic, '-p', '7']);
    expect(noPartition.code).toBe(3);
    expect(noPartition.stderr).toContain('PARTITION_NOT_FOUND');
  });
});

describe('consume', () => {
  test('--follow keeps polling until Ctrl-C, then commits what it printed and exits 0', async () => {
    const topic = uniqueTopic('follow');
    await client.admin.createTopic({ name: topic, partitions: 2 });
    await client.producer().send({ topic, records: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: i })) });

    let interrupted = false;
    const run = await tributary(['consume', topic, '-g', 'followers', '--from-beginning', '--follow', '--wait-ms', '500'], {
      onStdout: (stdout, kill) => {
        if (!interrupted && lines(stdout).length === 5) {
          interrupted = true;
          kill('SIGINT');
        }
      },
    });

    expect(run.code).toBe(0);
    expect(lines(run.stdout).map((r) => r.value).sort()).toEqual([0, 1, 2, 3, 4]);
    const group = await client.admin.describeGroup('followers', topic);
    expect(group.partitions.map((p) => p.lag)).toEqual([0, 0]);
  });

  test('--max commits exactly the records it printed', async () => {
    const topic = uniqueTopic('max');
    await client.admin.createTopic({ name: topic, partitions: 1 });
    await client.producer().send({ topic, records: Array.from({ length: 10 }, (_, i) => ({ value: i })) });

    const first = lines(await ok(['consume', topic, '-g', 'partial', '--from-beginning', '--max', '4']));
    expect(first.map((r) => r.value)).toEqual([0, 1, 2, 3]);
    expect((await client.admin.describeGroup('partial', topic)).partitions[0]?.committedOffset).toBe(4);
    const rest = lines(await ok(['consume', topic, '-g', 'partial']));
    expect(rest.map((r) => r.value)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  test('binary values are printed as valueBase64', async () => {
    const topic = uniqueTopic('binary');
    await client.admin.createTopic({ name: topic, partitions: 1 });
    await client.producer().send({ topic, records: [{ key: 'b', value: new Uint8Array([0, 255, 7]), headers: { h: 'v' } }] });
    const [record] = lines(await ok(['consume', topic, '-g', 'bin', '--from-beginning']));
    expect(record).toMatchObject({ partition: 0, offset: 0, key: 'b', valueBase64: 'AP8H', headers: { h: 'v' } });
    expect(record).not.toHaveProperty('value');
  });
});

describe('dlq', () => {
  test('list shows nacked records, redrive moves them to a target topic', async () => {
    const topic = uniqueTopic('dlq');
    const target = uniqueTopic('dlq-target');
    await client.admin.createTopic({ name: topic, partitions: 1, maxDeliveryAttempts: 1 });
    await client.admin.createTopic({ name: target, partitions: 1 });
    await client.producer().send({ topic, records: ['bad-1', 'bad-2', 'good'].map((value) => ({ key: value, value })) });
    // With maxDeliveryAttempts 1, one nack dead-letters a record.
    const consumer = client.consumer({ group: 'workers', topic, waitMs: 0 });
    const { records } = await consumer.poll();
    for (const record of records.filter((r) => String(r.value).startsWith('bad'))) {
      expect(await consumer.nack(record, `rejected ${String(record.value)}`)).toMatchObject({ action: 'dead-lettered' });
    }
    await consumer.leave();

    const listed = await json(['dlq', 'list', topic, '--group', 'workers']);
    expect(listed.deadLetters.map((d: { value: string; lastError: string }) => [d.value, d.lastError])).toEqual([
      ['bad-1', 'rejected bad-1'],
      ['bad-2', 'rejected bad-2'],
    ]);
    const table = await ok(['dlq', 'list', topic, '-g', 'workers']);
    for (const letter of listed.deadLetters as Array<{ id: string }>) expect(table).toContain(letter.id);

    expect(await json(['dlq', 'redrive', topic, '--group', 'workers', '--target', target])).toEqual({ redriven: 2 });
    const moved = lines(await ok(['fetch', target, '--partition', '0']));
    expect(moved.map((r) => r.value)).toEqual(['bad-1', 'bad-2']);
    expect(moved[0]?.headers).toMatchObject({ 'x-dlq-topic': topic, 'x-dlq-group': 'workers', 'x-dlq-error': 'rejected bad-1' });
    expect(await json(['dlq', 'list', topic, '--group', 'workers'])).toEqual({ deadLetters: [] });
    expect(await ok(['dlq', 'list', topic, '--group', 'workers'])).toContain('No dead letters.');
  });
});

describe('groups reset', () => {
  test('prints the plan by default (dry run), applies it with --execute, refuses a live group without --force', async () => {
    const topic = uniqueTopic('reset');
    await client.admin.createTopic({ name: topic, partitions: 2 });
    await client.producer().send({ topic, records: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, partition: i % 2 })) });
    const consumer = client.consumer({ group: 'rg', topic, waitMs: 0 });
    const { records } = await consumer.poll();
    expect(records).toHaveLength(10);
    await consumer.commit([0, 1].map((partition) => ({ partition, offset: 5 })));

    const live = await tributary(['groups', 'reset', '--group', 'rg', '--topic', topic, '--to-earliest', '--execute']);
    expect(live.code).toBe(1);
    expect(live.stderr).toContain('GROUP_ACTIVE');
    await consumer.leave();

    const plan = await ok(['groups', 'reset', '--group', 'rg', '--topic', topic, '--shift-by', '-2']);
    expect(plan).toContain('dry run');
    expect(plan).toMatch(/Partition.*Current committed.*New offset/);
    expect(plan).toMatch(/│\s+0 │\s+5 │\s+3 │/);
    expect((await client.admin.describeGroup('rg', topic)).partitions.map((p) => p.committedOffset)).toEqual([5, 5]);

    const applied = await json(['groups', 'reset', '--group', 'rg', '--topic', topic, '--to-offset', '1', '--partitions', '1', '--execute']);
    expect(applied).toEqual({ group: 'rg', topic, offsets: [{ partition: 1, committedOffset: 1, previousOffset: 5 }] });
    expect((await client.admin.describeGroup('rg', topic)).partitions.map((p) => p.committedOffset)).toEqual([5, 1]);

    const bad = await tributary(['groups', 'reset', '--group', 'rg', '--topic', topic, '--to-earliest', '--to-latest']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('exactly one of');
    const badTime = await tributary(['groups', 'reset', '--group', 'rg', '--topic', topic, '--to-datetime', 'yesterday']);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('--to-datetime');
  });
});

describe('tokens', () => {
  test('create, use, list and revoke a token; a token without the permission exits 4', async () => {
    const created = await json(['tokens', 'create', 'cli-test-bot', '--permission', 'orders*=produce', '--permission', 'audit=consume']);
    expect(created.token).toMatch(/^trb_/);
    expect(created.permissions).toEqual([
      { topics: 'orders*', actions: ['produce'] },
      { topics: 'audit', actions: ['consume'] },
    ]);

    const listed = await json(['tokens', 'list']);
    expect(listed.tokens.map((t: { id: string }) => t.id)).toContain(created.id);
    expect(listed.tokens.some((t: object) => 'token' in t)).toBe(false);
    expect(await ok(['tokens', 'list'])).toContain('orders*=produce audit=consume');

    // (Listing topics needs no permission: the list holds what the token may see.)
    const forbidden = await tributary(['tokens', 'list'], { env: { TRIBUTARY_TOKEN: created.token } });
    expect(forbidden.code).toBe(4);
    expect(forbidden.stderr).toContain('FORBIDDEN');

    expect(await ok(['tokens', 'revoke', created.id])).toContain(`Revoked token ${created.id}`);
    expect((await json(['tokens', 'list'])).tokens.map((t: { id: string }) => t.id)).not.toContain(created.id);
    const revoked = await tributary(['topics', 'list'], { env: { TRIBUTARY_TOKEN: created.token } });
    expect(revoked.code).toBe(4);
    expect(revoked.stderr).toContain('UNAUTHENTICATED');
  });
});

describe('usage, help and connection', () => {
  test.each([
    [['topics', 'create', 'x']], // --partitions missing
    [['topics', 'create', 'x', '--partitions', 'many']],
    [['consume', 'x']], // --group missing
    [['fetch', 'x', '--partition', '0', '--offset', 'first']],
    [['fetch', 'x', '--partition', '0', '--offset', '1', '--from-timestamp', '5']],
    [['tokens', 'create', 'bot', '--permission', 'orders=read']],
    [['no-such-command']],
    [[]],
  ])('%j is a usage error: exit 2', async (args) => {
    const run = await tributary(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error|Usage/);
    expect(run.stdout).toBe('');
  });

  test('--help works on every level and documents the exit codes', async () => {
    const root = await ok(['--help']);
    expect(root).toContain('Exit codes:');
    expect(root).toContain('TRIBUTARY_URL');
    expect(await ok(['consume', '--help'])).toContain('Usage: tributary consume [options] <topic>');
    expect(await ok(['dlq', 'redrive', '--help'])).toContain('--target <topic>');
    expect(await ok(['tokens', '--help'])).toContain('revoke');
  });

  test('without TRIBUTARY_URL/TRIBUTARY_TOKEN it reads .local/stack.json, searching upwards from the working directory', async () => {
    const project = mkdtempSync(join(tmpdir(), 'tributary-cli-'));
    try {
      const nested = join(project, 'src', 'deep');
      mkdirSync(nested, { recursive: true });
      mkdirSync(join(project, '.local'));
      writeFileSync(join(project, '.local', 'stack.json'), JSON.stringify({ url: stack.url, token: stack.token }));
      const topic = uniqueTopic('stackfile');
      const noEnv = { TRIBUTARY_URL: undefined, TRIBUTARY_TOKEN: undefined };
      await ok(['topics', 'create', topic, '-p', '1'], { env: noEnv, cwd: nested });
      expect((await json(['topics', 'list'], { env: noEnv, cwd: project })).topics).toContainEqual({ name: topic, partitions: 1 });
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  test('no connection at all is exit 2 with a sentence saying what to set', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tributary-cli-'));
    try {
      const run = await tributary(['topics', 'list'], { env: { TRIBUTARY_URL: undefined, TRIBUTARY_TOKEN: undefined }, cwd: empty });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('set TRIBUTARY_URL and TRIBUTARY_TOKEN');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test('an API that cannot be reached is exit 1', async () => {
    const run = await tributary(['topics', 'list'], { env: { TRIBUTARY_URL: 'http://127.0.0.1:9' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot reach the API');
  });

  test('`npx tributary` on the machine\'s Node prints no EBADENGINE warning (issue 16 §4)', async () => {
    // As a user types it: npx and node from the system PATH, not the repository's node_modules/.bin (Node 22).
    // The warning came from npx running the root package's own `bin` (not linked in node_modules/.bin): it
    // then checked the root's engines (node >=22) against Node 20. The bin now comes from the workspace package.
    const path = (process.env.PATH ?? '').split(':').filter((dir) => !dir.includes('node_modules')).join(':');
    const systemNode = await new Promise<string>((done, fail) =>
      execFile('node', ['-v'], { env: { ...process.env, PATH: path } }, (error, out) => (error ? fail(error) : done(out.trim()))),
    );
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
      execFile('npx', ['tributary', '--version'], { cwd: resolve(__dirname, '../..'), env: { ...process.env, PATH: path } }, (error, stdout, stderr) =>
        done({ code: error ? Number(error.code) : 0, stdout, stderr }),
      ),
    );
    expect({ systemNode: systemNode.split('.')[0], code: run.code, stdout: run.stdout.trim() }).toEqual({ systemNode: 'v20', code: 0, stdout: '0.1.0' });
    expect(run.stderr).not.toContain('EBADENGINE');
  });
});
