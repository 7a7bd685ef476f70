/**
 * Live notifications on the local stack (`ws://…/v1/live`): the protocol
 * through the real local server and DynamoDB Local. Records are produced over
 * HTTP only; every notification arrives the way it does in production: the
 * log table's stream → the stream poller (the dispatcher) → the live notifier.
 * Nothing here calls the notifier by hand.
 */
import type { LiveServerMessage } from '../../packages/client/src/protocol/live';
import { startTestStack, type TestStack } from '../support/backends';
import { ApiClient, uniqueName } from '../support/http';
import { LiveSocket } from '../support/live-socket';

let stack: TestStack;
let api: ApiClient;
const sockets: LiveSocket[] = [];

beforeAll(async () => {
  stack = await startTestStack({ local: true });
  api = new ApiClient(stack.url, stack.token);
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await stack.stop();
});

async function open(token = stack.token): Promise<LiveSocket> {
  const socket = await LiveSocket.open(stack.url, { token });
  sockets.push(socket);
  return socket;
}

async function newTopic(partitions: number): Promise<{ name: string; topicId: string }> {
  const name = uniqueName('live');
  const created = await api.post('/v1/topics', { name, partitions });
  expect(created.status).toBe(201);
  return { name, topicId: created.body.topicId as string };
}

/** "Arrives" under a loaded CI machine (the contract says about a second; latency is the bench's). */
const ARRIVES_MS = 10_000;

/** Produces `count` records to one partition over HTTP; the stream wakes the notifier. */
async function produce(topic: { name: string }, partition: number, count: number): Promise<void> {
  const records = Array.from({ length: count }, (_, i) => ({ value: i, partition }));
  const produced = await api.post(`/v1/topics/${topic.name}/records`, { records });
  expect(produced.status).toBe(200);
}

type RecordsMessage = Extract<LiveServerMessage, { type: 'records' }>;

/**
 * Collects `records` notifications until every listed partition's end offset
 * reached its target (or ARRIVES_MS passes: then the assertion on the returned
 * offsets fails).
 */
async function notificationsUntil(socket: LiveSocket, targets: Record<number, number>): Promise<{ notifications: RecordsMessage[]; latest: Record<number, number> }> {
  const notifications: RecordsMessage[] = [];
  const latest = new Map<number, number>();
  const done = (): boolean => Object.entries(targets).every(([p, end]) => (latest.get(Number(p)) ?? -1) >= end);
  const deadline = Date.now() + ARRIVES_MS;
  while (!done() && Date.now() < deadline) {
    const message = await socket.next(Math.max(1, deadline - Date.now())).catch(() => undefined);
    if (message === undefined) break;
    if (message.type !== 'records') continue;
    notifications.push(message);
    for (const p of message.partitions) latest.set(p.partition, Math.max(latest.get(p.partition) ?? 0, p.endOffset));
  }
  return { notifications, latest: Object.fromEntries(latest) };
}

async function mintToken(permissions: unknown[]): Promise<{ id: string; token: string }> {
  const minted = await api.post('/v1/tokens', { name: uniqueName('live-token'), permissions });
  expect(minted.status).toBe(201);
  return minted.body as { id: string; token: string };
}

describe('Live notifications: connecting', () => {
  it('refuses an upgrade without a token, or with an unknown one, with 401', async () => {
    await expect(LiveSocket.open(stack.url, {})).rejects.toMatchObject({ status: 401 });
    const unknown = `trb_${'0'.repeat(16)}_${'A'.repeat(43)}`;
    await expect(LiveSocket.open(stack.url, { token: unknown })).rejects.toMatchObject({ status: 401 });
  });

  it('accepts the token as ?token= (for browsers)', async () => {
    const socket = await LiveSocket.open(stack.url, { query: stack.token });
    sockets.push(socket);
    await expect(socket.request({ action: 'ping' })).resolves.toEqual({ type: 'pong' });
  });

  it('refuses a revoked token at the next connect, and its open connection may not start new watches', async () => {
    const topic = await newTopic(1);
    const minted = await mintToken([{ topics: '*', actions: ['consume'] }]);
    const before = await open(minted.token);
    expect(await before.request({ action: 'watch', topic: topic.name })).toEqual({ type: 'watching', topic: topic.name });

    expect((await api.delete(`/v1/tokens/${minted.id}`)).status).toBe(204);

    await expect(LiveSocket.open(stack.url, { token: minted.token })).rejects.toMatchObject({ status: 401 });
    const answer = await before.request({ action: 'watch', topic: topic.name });
    expect(answer).toMatchObject({ type: 'error', topic: topic.name, error: { code: 'UNAUTHENTICATED' } });
  });
});

describe('Live notifications: messages', () => {
  it('answers an unknown topic with TOPIC_NOT_FOUND', async () => {
    const socket = await open();
    const answer = await socket.request({ action: 'watch', topic: uniqueName('missing') });
    expect(answer).toMatchObject({ type: 'error', error: { code: 'TOPIC_NOT_FOUND' } });
  });

  it('answers FORBIDDEN to a token without consume on the topic (even when the topic does not exist)', async () => {
    const topic = await newTopic(1);
    const producer = await mintToken([{ topics: '*', actions: ['produce'] }]);
    const socket = await open(producer.token);
    expect(await socket.request({ action: 'watch', topic: topic.name })).toMatchObject({
      type: 'error',
      error: { code: 'FORBIDDEN' },
    });
    expect(await socket.request({ action: 'watch', topic: uniqueName('missing') })).toMatchObject({
      error: { code: 'FORBIDDEN' },
    });
  });

  it('answers invalid JSON, an unknown action and a bad field with INVALID_REQUEST and keeps the connection open', async () => {
    const socket = await open();
    const notJson = await socket.request('{"action": ');
    expect(notJson).toMatchObject({ type: 'error', error: { code: 'INVALID_REQUEST' } });
    const unknown = await socket.request({ action: 'subscribe', topic: 'x' });
    expect(unknown).toMatchObject({ type: 'error', error: { code: 'INVALID_REQUEST' } });
    expect((unknown as { error: { message: string } }).error.message).toMatch(/action/);
    const badTopic = await socket.request({ action: 'watch', topic: 'no spaces allowed' });
    expect((badTopic as { error: { message: string } }).error.message).toMatch(/^topic: /);
    expect(await socket.request({ action: 'ping' })).toEqual({ type: 'pong' });
  });
});

describe('Live notifications: records', () => {
  it('notifies a watcher of a produce through the stream, with the partition end offsets', async () => {
    const topic = await newTopic(3);
    const socket = await open();
    expect(await socket.request({ action: 'watch', topic: topic.name, group: 'g1' })).toEqual({
      type: 'watching',
      topic: topic.name,
    });
    await produce(topic, 2, 5);
    const message = await socket.next(ARRIVES_MS);
    expect(message).toEqual({ type: 'records', topic: topic.name, partitions: [{ partition: 2, endOffset: 5 }] });
  });

  it('coalesces a burst of 100 appends into a handful of notifications, the last with the final offsets', async () => {
    const topic = await newTopic(2);
    const socket = await open();
    await socket.request({ action: 'watch', topic: topic.name });
    const started = Date.now();
    // 100 single-record produces over HTTP (up to 10 in flight); the stream carries them to the notifier.
    const queue = Array.from({ length: 100 }, (_, i) => i % 2);
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let p = queue.shift(); p !== undefined; p = queue.shift()) await produce(topic, p, 1);
      }),
    );
    const { notifications, latest } = await notificationsUntil(socket, { 0: 50, 1: 50 });
    // At most one notification per watch per second (the notifier's coalescing), whatever the poller batches.
    const seconds = Math.floor(Date.now() / 1000) - Math.floor(started / 1000) + 1;
    expect(latest).toEqual({ 0: 50, 1: 50 });
    expect(notifications.length).toBeGreaterThan(0);
    expect(notifications.length).toBeLessThanOrEqual(seconds + 1);
    expect(notifications.length).toBeLessThan(100);
  });

  it('stops notifying after unwatch', async () => {
    const topic = await newTopic(1);
    const socket = await open();
    await socket.request({ action: 'watch', topic: topic.name });
    expect(await socket.request({ action: 'unwatch', topic: topic.name })).toEqual({ type: 'unwatched', topic: topic.name });
    // A second watcher on the same topic proves the stream delivered the append.
    const witness = await open();
    await witness.request({ action: 'watch', topic: topic.name });
    await produce(topic, 0, 1);
    expect(await witness.next(ARRIVES_MS)).toEqual({ type: 'records', topic: topic.name, partitions: [{ partition: 0, endOffset: 1 }] });
    // The notifier posts one append to all its watchers before the next; the pong comes after it.
    expect(await socket.drainUntilPong()).toEqual([]);
  });
});
