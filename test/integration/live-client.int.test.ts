/**
 * The client's consumers on live notifications, against the local stack:
 * an idle group consumer waits on the WebSocket and polls with waitMs 0
 * when notified; with the connection killed mid-way it falls back to long
 * polls, reconnects, and resumes live; every record arrives, none twice
 * within the group while leases hold. Records are produced over HTTP only:
 * the notifications come through the log table's stream and the stack's
 * stream poller, never from the test.
 */
import { LiveConnection, TributaryClient, type DeliveredRecord, type FetchLike } from '@tributary/client';
import { startTestStack, type TestStack } from '../support/backends';
import { ApiClient, uniqueName } from '../support/http';

let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ local: true });
  api = new ApiClient(stack.url, stack.token);
});
afterAll(async () => {
  await stack.stop();
});

/** Produces over HTTP; the stream poller wakes the live notifier. */
async function produce(topic: { name: string }, values: number[]): Promise<void> {
  const produced = await api.post(`/v1/topics/${topic.name}/records`, { records: values.map((value) => ({ value, key: `k${value}` })) });
  expect(produced.status).toBe(200);
}

/** Counts polls by their waitMs. */
function countingFetch(): { fetch: FetchLike; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    fetch: async (url, init) => {
      if (url.includes('/poll') && typeof init.body === 'string') waits.push(JSON.parse(init.body).waitMs as number);
      return fetch(url, init);
    },
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Consumer with live notifications', () => {
  it('receives every record once across a killed and restored connection, polling with waitMs 0 while live', async () => {
    const created = await api.post('/v1/topics', { name: uniqueName('live-client'), partitions: 4 });
    const topic = { name: created.body.name as string, topicId: created.body.topicId as string };
    const counting = countingFetch();
    const client = new TributaryClient({
      url: stack.url,
      token: stack.token,
      fetch: counting.fetch,
      live: { reconnectBaseDelayMs: 50, reconnectMaxDelayMs: 200 },
    });
    const seen: DeliveredRecord[] = [];
    const consumers = ['a', 'b'].map((id) =>
      client.consumer({ group: 'g', topic: topic.name, consumerId: id, autoOffsetReset: 'earliest', waitMs: 1000, sessionTimeoutMs: 60_000 }),
    );
    const runs = consumers.map((c) => c.run({ eachRecord: ({ record }) => void seen.push(record) }));
    const live = client.live as LiveConnection;
    try {
      await until(() => stack.live!.sockets.size === 1 && counting.waits.length >= 2, 'the consumers to watch');
      await produce(topic, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      await until(() => seen.length >= 10, 'the first records');
      expect(counting.waits.filter((w) => w === 0).length).toBeGreaterThan(0);

      // The connection dies (server side, as API Gateway drops it): records keep coming through long polls.
      for (const ws of stack.live!.sockets.values()) ws.terminate();
      await produce(topic, [10, 11, 12, 13, 14]);
      await until(() => seen.length >= 15, 'records after the connection was lost');

      // Reconnected: live again.
      await until(() => live.connects >= 2 && stack.live!.sockets.size === 1, 'the reconnect');
      const pollsBefore = counting.waits.length;
      await produce(topic, [15, 16, 17, 18, 19]);
      await until(() => seen.length >= 20, 'records after the reconnect');
      expect(counting.waits.slice(pollsBefore).filter((w) => w === 0).length).toBeGreaterThan(0);
    } finally {
      await Promise.all(consumers.map((c) => c.stop()));
      await Promise.all(runs);
    }
    const values = seen.map((r) => r.value as number).sort((x, y) => x - y);
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // The last consumer to stop released the topic: the socket is closed, nothing keeps the process alive.
    await until(() => stack.live!.sockets.size === 0, 'the socket to close');
  });

  it('falls back to long polls when the server offers no live endpoint', async () => {
    const created = await api.post('/v1/topics', { name: uniqueName('no-live'), partitions: 1 });
    const counting = countingFetch();
    const client = new TributaryClient({
      url: stack.url,
      token: stack.token,
      fetch: counting.fetch,
      liveUrl: `${stack.url.replace(/^http/, 'ws')}/v1/not-live`,
    });
    const seen: DeliveredRecord[] = [];
    const consumer = client.consumer({ group: 'g', topic: created.body.name, autoOffsetReset: 'earliest', waitMs: 500 });
    const run = consumer.run({ eachRecord: ({ record }) => void seen.push(record) });
    try {
      await api.post(`/v1/topics/${created.body.name}/records`, { records: [{ value: 'x' }] });
      await until(() => seen.length === 1, 'the record');
    } finally {
      await consumer.stop();
      await run;
    }
    // Every idle poll long-polls (a poll right after records, while they flow, asks waitMs 0).
    expect(counting.waits).toContain(500);
    expect(counting.waits.filter((w) => w !== 0).every((w) => w === 500)).toBe(true);
  });

  it('follows a partition (fetch follow), waiting on the live connection once caught up', async () => {
    const created = await api.post('/v1/topics', { name: uniqueName('follow'), partitions: 1 });
    const topic = { name: created.body.name as string, topicId: created.body.topicId as string };
    const fetchWaits: string[] = [];
    const client = new TributaryClient({
      url: stack.url,
      token: stack.token,
      fetch: async (url, init) => {
        if (url.includes('/records?')) fetchWaits.push(new URL(url).searchParams.get('waitMs') ?? '');
        return fetch(url, init);
      },
    });
    await produce(topic, [0, 1, 2]);
    const stop = new AbortController();
    const values: number[] = [];
    for await (const page of client.follow({ topic: topic.name, partition: 0, offset: 'earliest', signal: stop.signal })) {
      values.push(...page.records.map((r) => r.value as number));
      if (values.length === 3) {
        // Caught up: the next records come by notification.
        void until(() => stack.live!.sockets.size === 1, 'the follower to watch').then(() => produce(topic, [3, 4]));
      }
      if (values.length >= 5) stop.abort();
    }
    expect(values).toEqual([0, 1, 2, 3, 4]);
    expect(fetchWaits.every((w) => w === '0')).toBe(true);
    await until(() => stack.live!.sockets.size === 0, 'the socket to close');
  });
});
