/**
 * `tributary consume --follow` on live notifications: the CLI (a real
 * process) connects to the local stack's /v1/live, waits there while idle,
 * and prints records as notifications arrive. The test only produces over
 * HTTP: the notification comes through the log table's stream and the
 * stack's stream poller.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { startTestStack, type TestStack } from '../support/backends';
import { ApiClient, uniqueName } from '../support/http';
import { buildCli } from '../support/cli';

const BIN = buildCli();
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ local: true });
  api = new ApiClient(stack.url, stack.token);
});
afterAll(async () => {
  await stack.stop();
});

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('consume --follow waits on the live connection and prints the records it is woken for', async () => {
  const created = await api.post('/v1/topics', { name: uniqueName('cli-live'), partitions: 1 });
  const topic = created.body.name as string;
  const env = { ...process.env, TRIBUTARY_URL: stack.url, TRIBUTARY_TOKEN: stack.token };
  const child = spawn(process.execPath, [BIN, 'consume', topic, '-g', 'g', '--follow', '--from-beginning', '--max', '3'], { env });
  let stdout = '';
  let stderr = ''; // shown when the exit code is not 0
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  try {
    await until(() => stack.live!.sockets.size === 1, 'the CLI to connect');
    const produced = await api.post(`/v1/topics/${topic}/records`, { records: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    expect(produced.status).toBe(200);
    expect({ code: await exited, stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  } finally {
    child.kill('SIGTERM');
  }
  expect(stdout.trim().split('\n').map((l) => JSON.parse(l).value)).toEqual(['a', 'b', 'c']);
});
