/**
 * Live notifications on the local stack (`ws://…/v1/live`): the protocol
 * through the real local server, DynamoDB Local and the same notifier code
 * the dispatcher runs.
 *
 * UNTIL THE STREAM POLLER IS MERGED (engineer F's local/stream-poller.ts):
 * these tests produce over HTTP and then hand the produce's appends to
 * `stack.live.listener.onAppends` themselves, exactly what the poller does
 * with the log table's stream. Once merged, `produceAndDispatch` can drop
 * its second half.
 */
import type { LogAppend } from '../../lambdas/core/log/appends';
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

/** Produces, then wakes the live listener with the appends (what the stream poller will do). */
async function produceAndDispatch(topic: { name: string; topicId: string }, partition: number, count: number): Promise<LogAppend> {
  const records = Array.from({ length: count }, (_, i) => ({ value: i, partition }));
  const produced = await api.post(`/v1/topics/${topic.name}/records`, { records });
  expect(produced.status).toBe(200);
  const offsets = (produced.body.results as Array<{ offset: number }>).map((r) => r.offset);
  const append: LogAppend = {
    topic: topic.name,
    topicId: topic.topicId,
    partition,
    baseOffset: Math.min(...offsets),
    count,
    appendedAt: Date.now(),
  };
  await stack.live!.listener.onAppends([append]);
  return append;
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
  it('notifies a watcher of an append with the partition end offsets, within about a second', async () => {
    const topic = await newTopic(3);
    const socket = await open();
    expect(await socket.request({ action: 'watch', topic: topic.name, group: 'g1' })).toEqual({
      type: 'watching',
      topic: topic.name,
    });
    await produceAndDispatch(topic, 2, 5);
    const started = Date.now();
    const message = await socket.next(2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(message).toEqual({ type: 'records', topic: topic.name, partitions: [{ partition: 2, endOffset: 5 }] });
  });

  it('coalesces a burst of 100 appends into a handful of notifications, the last with the final offsets', async () => {
    const topic = await newTopic(2);
    const socket = await open();
    await socket.request({ action: 'watch', topic: topic.name });
    const started = Date.now();
    // 100 single-record produces, dispatched as they complete (up to 10 in flight), like a busy stream.
    const queue = Array.from({ length: 100 }, (_, i) => i % 2);
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let p = queue.shift(); p !== undefined; p = queue.shift()) await produceAndDispatch(topic, p, 1);
      }),
    );
    const seconds = Math.floor(Date.now() / 1000) - Math.floor(started / 1000) + 1;
    const notifications = (await socket.drainUntilPong()).filter(
      (m): m is Extract<LiveServerMessage, { type: 'records' }> => m.type === 'records',
    );
    expect(notifications.length).toBeGreaterThan(0);
    expect(notifications.length).toBeLessThanOrEqual(seconds + 1);
    const latest = new Map<number, number>();
    for (const n of notifications) for (const p of n.partitions) latest.set(p.partition, Math.max(latest.get(p.partition) ?? 0, p.endOffset));
    expect(Object.fromEntries(latest)).toEqual({ 0: 50, 1: 50 });
  });

  it('stops notifying after unwatch', async () => {
    const topic = await newTopic(1);
    const socket = await open();
    await socket.request({ action: 'watch', topic: topic.name });
    expect(await socket.request({ action: 'unwatch', topic: topic.name })).toEqual({ type: 'unwatched', topic: topic.name });
    await produceAndDispatch(topic, 0, 1);
    // The notifier has posted everything it would before onAppends resolved; the pong comes after it.
    expect(await socket.drainUntilPong()).toEqual([]);
  });
});
