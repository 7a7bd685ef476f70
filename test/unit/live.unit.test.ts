/**
 * Live notifications, pure logic: the protocol parser, end offsets and
 * coverage, the notifier's coalescing with an in-memory store and a fake
 * clock, and the client's LiveConnection over a fake socket (watch, wake,
 * fallback, reconnect backoff, pings, release).
 */
import { covers, endOffsetsByTopic, LiveNotifier } from '../../lambdas/core/live/notifier';
import type { ConnectionStore, LiveWatch, NotificationClaim, PartitionEnds } from '../../lambdas/core/live/ports';
import { parseClientMessage } from '../../lambdas/core/live/session';
import { LiveConnection, type SocketLike } from '../../packages/client/src/live';
import type { LiveServerMessage } from '../../packages/client/src/protocol/live';

describe('parseClientMessage', () => {
  it('accepts the three actions', () => {
    expect(parseClientMessage('{"action":"watch","topic":"t","group":"g"}')).toEqual({ action: 'watch', topic: 't', group: 'g' });
    expect(parseClientMessage('{"action":"unwatch","topic":"t"}')).toEqual({ action: 'unwatch', topic: 't' });
    expect(parseClientMessage('{"action":"ping"}')).toEqual({ action: 'ping' });
  });

  it.each([
    ['not JSON', '{', /JSON/],
    ['an unknown action', '{"action":"subscribe"}', /^action: /],
    ['no action', '{"topic":"t"}', /^action: /],
    ['a bad topic name', '{"action":"watch","topic":"a b"}', /^topic: /],
    ['an unknown field', '{"action":"ping","extra":1}', /./],
    ['no body', undefined, /JSON/],
  ])('answers INVALID_REQUEST to %s', (_, body, message) => {
    const answer = parseClientMessage(body);
    expect(answer).toMatchObject({ type: 'error', error: { code: 'INVALID_REQUEST' } });
    expect((answer as Extract<LiveServerMessage, { type: 'error' }>).error.message).toMatch(message);
  });
});

describe('endOffsetsByTopic and covers', () => {
  it('keeps the largest end per partition, per topic incarnation', () => {
    const a = (topic: string, partition: number, baseOffset: number, count: number) => ({
      topic,
      topicId: 'x',
      partition,
      baseOffset,
      count,
      appendedAt: 0,
    });
    const ends = endOffsetsByTopic([a('t', 0, 5, 2), a('t', 0, 0, 5), a('t', 1, 0, 1), a('u', 0, 9, 1)]);
    expect([...ends.values()].map((e) => Object.fromEntries(e.ends))).toEqual([{ 0: 7, 1: 1 }, { 0: 10 }]);
    expect(covers({ 0: 7, 1: 1 }, { 0: 7 })).toBe(true);
    expect(covers({ 0: 6, 1: 1 }, { 0: 7 })).toBe(false);
    expect(covers({ 1: 9 }, { 0: 1 })).toBe(false);
  });
});

/** The connections table in memory, with the same claim condition. */
class MemoryStore implements Partial<ConnectionStore> {
  readonly claims = new Map<string, { second: number; ends: PartitionEnds }>();
  readonly deleted: string[] = [];
  constructor(private readonly watches: LiveWatch[]) {}
  async watchers(topic: string) {
    return this.watches.filter((w) => w.topic === topic);
  }
  async deleteConnection(id: string) {
    this.deleted.push(id);
  }
  async claimNotification(topic: string, id: string, second: number, ends: PartitionEnds): Promise<NotificationClaim> {
    const old = this.claims.get(`${topic}/${id}`);
    if (old && old.second >= second) return { claimed: false, ...old };
    this.claims.set(`${topic}/${id}`, { second, ends });
    return { claimed: true };
  }
}

describe('Class: LiveNotifier (fake clock)', () => {
  const watch: LiveWatch = { topic: 't', connectionId: 'c1', tokenId: 'k', group: undefined, expiresAt: 0 };
  const append = (baseOffset: number) => ({ topic: 't', topicId: 'x', partition: 0, baseOffset, count: 1, appendedAt: 0 });

  it('sends the first append at once and the rest of the second as one trailing notification with the final offsets', async () => {
    let now = 10_000;
    const sleeps: number[] = [];
    const sent: LiveServerMessage[] = [];
    const store = new MemoryStore([watch]);
    const notifier = new LiveNotifier(store as unknown as ConnectionStore, { post: async (_, m) => (sent.push(m), 'sent') }, {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    });
    await notifier.onAppends([append(0)]);
    now += 100;
    await Promise.all([notifier.onAppends([append(1)]), notifier.onAppends([append(2)]), notifier.onAppends([append(3)])]);
    expect(sent).toEqual([
      { type: 'records', topic: 't', partitions: [{ partition: 0, endOffset: 1 }] },
      { type: 'records', topic: 't', partitions: [{ partition: 0, endOffset: 4 }] },
    ]);
    expect(sleeps).toEqual([900]);
  });

  it('deletes the connection when the post says gone', async () => {
    const store = new MemoryStore([watch]);
    await new LiveNotifier(store as unknown as ConnectionStore, { post: async () => 'gone' }).onAppends([append(0)]);
    expect(store.deleted).toEqual(['c1']);
  });
});

/** A socket the test drives: it records what the client sends and delivers what the test says. */
class FakeSocket implements SocketLike {
  readyState = 0;
  readonly sent: unknown[] = [];
  private readonly listeners = new Map<string, Array<(event: { data?: unknown }) => void>>();
  addEventListener(type: string, listener: (event: { data?: unknown }) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  emit(type: string, data?: unknown) {
    for (const l of this.listeners.get(type) ?? []) l({ data });
  }
  open() {
    this.readyState = 1;
    this.emit('open');
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit('close');
  }
  receive(message: LiveServerMessage) {
    this.emit('message', JSON.stringify(message));
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Class: LiveConnection (fake socket)', () => {
  function connection(behaviour: (socket: FakeSocket) => void = (s) => setImmediate(() => s.open())) {
    const sockets: FakeSocket[] = [];
    const live = new LiveConnection({
      url: 'ws://x/v1/live',
      token: 't',
      random: () => 0.5,
      socket: () => {
        const socket = new FakeSocket();
        sockets.push(socket);
        behaviour(socket);
        return socket;
      },
    });
    return { live, sockets };
  }

  it('answers records on a fresh watch, then waits for a notification of that topic', async () => {
    const { live, sockets } = connection();
    const first = live.waitForRecords('orders');
    await tick();
    expect(sockets[0]!.sent).toEqual([{ action: 'watch', topic: 'orders' }]);
    sockets[0]!.receive({ type: 'watching', topic: 'orders' });
    await expect(first).resolves.toBe('records');

    const second = live.waitForRecords('orders');
    await tick();
    sockets[0]!.receive({ type: 'records', topic: 'other', partitions: [] });
    sockets[0]!.receive({ type: 'records', topic: 'orders', partitions: [{ partition: 0, endOffset: 3 }] });
    await expect(second).resolves.toBe('records');
    live.close();
  });

  it('remembers, per cursor, a notification that arrived while that waiter was busy', async () => {
    const { live, sockets } = connection();
    const cursor = { seen: 0 };
    const first = live.waitForRecords('orders', undefined, undefined, cursor);
    await tick();
    sockets[0]!.receive({ type: 'watching', topic: 'orders' });
    await first;
    sockets[0]!.receive({ type: 'records', topic: 'orders', partitions: [] });
    await expect(live.waitForRecords('orders', undefined, 10, cursor)).resolves.toBe('records');
    await expect(live.waitForRecords('orders', undefined, 10, cursor)).resolves.toBe('timeout');
    live.close();
  });

  // Reproduction: with one "dirty" flag per topic, a notification woke only the first of two
  // consumers waiting on the same connection; when the records were on the other consumer's
  // partitions, that one waited forever (seen as a flaky live-client integration test).
  it('wakes every waiter of the topic with one notification, each with its own cursor', async () => {
    const { live, sockets } = connection();
    const a = { seen: 0 };
    const b = { seen: 0 };
    const firstA = live.waitForRecords('orders', undefined, undefined, a);
    await tick();
    sockets[0]!.receive({ type: 'watching', topic: 'orders' });
    await expect(firstA).resolves.toBe('records');
    await expect(live.waitForRecords('orders', undefined, undefined, b)).resolves.toBe('records');

    const waitA = live.waitForRecords('orders', undefined, 1000, a);
    const waitB = live.waitForRecords('orders', undefined, 1000, b);
    await tick();
    sockets[0]!.receive({ type: 'records', topic: 'orders', partitions: [{ partition: 1, endOffset: 5 }] });
    await expect(Promise.all([waitA, waitB])).resolves.toEqual(['records', 'records']);
    live.close();
  });

  it('has a waiter whose cursor predates a reconnect poll once on the new watch', async () => {
    const { live, sockets } = connection();
    const cursor = { seen: 0 };
    const first = live.waitForRecords('orders', undefined, undefined, cursor);
    await tick();
    sockets[0]!.receive({ type: 'watching', topic: 'orders' });
    await first;
    sockets[0]!.close();
    const again = live.waitForRecords('orders', undefined, 1000, cursor);
    await tick();
    await tick();
    sockets[1]!.receive({ type: 'watching', topic: 'orders' });
    await expect(again).resolves.toBe('records');
    live.close();
  });

  it('answers unavailable when the watch is refused, when the socket drops, and while backing off after a failed connect', async () => {
    const { live, sockets } = connection();
    const refused = live.waitForRecords('secret');
    await tick();
    sockets[0]!.receive({ type: 'error', topic: 'secret', error: { code: 'FORBIDDEN', message: 'no' } });
    await expect(refused).resolves.toBe('unavailable');

    const ok = live.waitForRecords('orders');
    await tick();
    sockets[0]!.receive({ type: 'watching', topic: 'orders' });
    await ok;
    const waiting = live.waitForRecords('orders');
    await tick();
    sockets[0]!.close();
    await expect(waiting).resolves.toBe('unavailable');
    live.close();

    const failing = connection((s) => setImmediate(() => s.close()));
    await expect(failing.live.waitForRecords('orders')).resolves.toBe('unavailable');
    // Backing off (random 0.5 × 1000 ms): no new socket is tried at once.
    await expect(failing.live.waitForRecords('orders')).resolves.toBe('unavailable');
    expect(failing.sockets).toHaveLength(1);
  });

  it('pings on its interval and drops a socket whose pong does not come', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'queueMicrotask', 'nextTick'] });
    try {
      const sockets: FakeSocket[] = [];
      const live = new LiveConnection({
        url: 'ws://x',
        token: 't',
        pingIntervalMs: 1000,
        pongTimeoutMs: 100,
        socket: () => {
          const s = new FakeSocket();
          sockets.push(s);
          setImmediate(() => s.open());
          return s;
        },
      });
      const wait = live.waitForRecords('orders');
      await tick();
      await tick();
      sockets[0]!.receive({ type: 'watching', topic: 'orders' });
      await wait;
      await jest.advanceTimersByTimeAsync(1000);
      expect(sockets[0]!.sent).toContainEqual({ action: 'ping' });
      sockets[0]!.receive({ type: 'pong' });
      await jest.advanceTimersByTimeAsync(1000);
      expect(sockets[0]!.readyState).toBe(1);
      await jest.advanceTimersByTimeAsync(150);
      expect(sockets[0]!.readyState).toBe(3);
    } finally {
      jest.useRealTimers();
    }
  });

  it('closes the socket when the last user releases its topic', async () => {
    const { live, sockets } = connection();
    live.retain('orders');
    live.retain('orders');
    const wait = live.waitForRecords('orders');
    await tick();
    sockets[0]!.receive({ type: 'watching', topic: 'orders' });
    await wait;
    live.release('orders');
    expect(sockets[0]!.readyState).toBe(1);
    live.release('orders');
    expect(sockets[0]!.sent).toContainEqual({ action: 'unwatch', topic: 'orders' });
    expect(sockets[0]!.readyState).toBe(3);
  });
});
