/**
 * Linger batching against the real local stack (in-process API, DynamoDB
 * Local, s3rver): many concurrent single-record `send()` calls go out in a
 * few shared requests, each call resolves with the position its own record
 * was stored at, and a record the API refuses (a partition out of range, a
 * record over 1 MiB) fails only the call that sent it.
 */
import { InvalidRequestError, PayloadTooLargeError, TributaryClient, type FetchLike } from '@tributary/client';
import { startTestStack, type TestStack } from '../support/backends';

let stack: TestStack;
let client: TributaryClient;
let topicCounter = 0;

beforeAll(async () => {
  stack = await startTestStack({ local: true });
  client = new TributaryClient({ url: stack.url, token: stack.token });
});
afterAll(async () => {
  await stack.stop();
});

async function newTopic(partitions: number): Promise<string> {
  const name = `linger-${++topicCounter}-${Date.now().toString(36)}`;
  await client.admin.createTopic({ name, partitions });
  return name;
}

/** A pass-through fetch that counts produce requests and their records. */
function countingFetch(): { fetch: FetchLike; produceRequests: number[] } {
  const produceRequests: number[] = [];
  return {
    produceRequests,
    fetch: async (url, init) => {
      if (init.method === 'POST' && new URL(url).pathname.endsWith('/records')) {
        produceRequests.push((JSON.parse(String(init.body)) as { records: unknown[] }).records.length);
      }
      return fetch(url, init);
    },
  };
}

/** The value stored at each position, read back by fetch. */
async function valuesAt(topic: string): Promise<Map<string, unknown>> {
  const { partitions } = await client.admin.describeTopic(topic);
  const out = new Map<string, unknown>();
  for (const { partition, endOffset } of partitions) {
    let offset = 0;
    while (offset < endOffset) {
      const page = await client.fetch({ topic, partition, offset, limit: 1000 });
      for (const r of page.records) out.set(`${r.partition}:${r.offset}`, r.value);
      offset = page.nextOffset;
    }
  }
  return out;
}

test('200 concurrent single-record send() calls share a few requests; each resolves with where its record is', async () => {
  const topic = await newTopic(3);
  const spy = countingFetch();
  const producer = new TributaryClient({ url: stack.url, token: stack.token, fetch: spy.fetch }).producer();

  const positions = await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send({ topic, records: [{ key: `k${i % 11}`, value: { i } }] })));

  expect(spy.produceRequests.reduce((a, b) => a + b, 0)).toBe(200);
  expect(spy.produceRequests.length).toBeLessThanOrEqual(20); // without linger: 200
  const stored = await valuesAt(topic);
  expect(stored.size).toBe(200);
  positions.forEach(([position], i) => expect(stored.get(`${position!.partition}:${position!.offset}`)).toEqual({ i }));
});

test('with lingerMs 0 every call is a request of its own', async () => {
  const topic = await newTopic(1);
  const spy = countingFetch();
  const producer = new TributaryClient({ url: stack.url, token: stack.token, fetch: spy.fetch }).producer({ lingerMs: 0 });
  await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic, records: [{ value: i }] })));
  expect(spy.produceRequests).toEqual(Array(10).fill(1));
});

test('a record the API refuses fails only the call that sent it; the other calls are stored', async () => {
  const topic = await newTopic(2);
  const producer = client.producer();
  const calls = Array.from({ length: 12 }, (_, i) => {
    if (i === 4) return producer.send({ topic, records: [{ value: 'fine' }, { value: 'bad', partition: 7 }] });
    if (i === 9) return producer.send({ topic, records: [{ value: 'x'.repeat(1_100_000) }] });
    return producer.send({ topic, records: [{ value: { i } }] });
  });

  const settled = await Promise.allSettled(calls);

  settled.forEach((s, i) => expect(s.status).toBe(i === 4 || i === 9 ? 'rejected' : 'fulfilled'));
  const partitionError = (settled[4] as PromiseRejectedResult).reason as InvalidRequestError;
  expect(partitionError).toBeInstanceOf(InvalidRequestError);
  expect(partitionError.message).toMatch(/^records\[1\]\.partition/); // its own record's index
  expect((settled[9] as PromiseRejectedResult).reason).toBeInstanceOf(PayloadTooLargeError);
  const stored = await valuesAt(topic);
  expect([...stored.values()].sort((a, b) => (a as { i: number }).i - (b as { i: number }).i)).toEqual(
    Array.from({ length: 12 }, (_, i) => i)
      .filter((i) => i !== 4 && i !== 9)
      .map((i) => ({ i })),
  );
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') expect(stored.get(`${s.value[0]!.partition}:${s.value[0]!.offset}`)).toEqual({ i });
  });
});
