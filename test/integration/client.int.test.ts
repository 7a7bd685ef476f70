/**
 * The client SDK (client/) against the real local stack (in-process API,
 * DynamoDB Local, s3rver): producer batching and idempotent retries,
 * consumers with eachRecord / eachBatch, nack to dead letters, the admin
 * API and typed errors. Imported by the package's own name, as an
 * application in this repository would.
 */
import {
  ForbiddenError,
  OffsetOutOfRangeError,
  TopicExistsError,
  TopicNotFoundError,
  TributaryClient,
  TributaryError,
  UnauthenticatedError,
  type DeliveredRecord,
  type FetchLike,
} from '@tributary/client';
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

async function newTopic(partitions: number, extra: { maxDeliveryAttempts?: number } = {}): Promise<string> {
  const name = `client-${++topicCounter}-${Date.now().toString(36)}`;
  await client.admin.createTopic({ name, partitions, ...extra });
  return name;
}

/** A pass-through fetch that records each request's method, path, body and headers. */
function recordingFetch(): { fetch: FetchLike; requests: Array<{ method: string; path: string; body: string; headers: Headers }> } {
  const requests: Array<{ method: string; path: string; body: string; headers: Headers }> = [];
  return {
    requests,
    fetch: async (url, init) => {
      requests.push({
        method: init.method ?? 'GET',
        path: new URL(url).pathname,
        body: typeof init.body === 'string' ? init.body : '',
        headers: new Headers(init.headers),
      });
      return fetch(url, init);
    },
  };
}

/** Every record of every partition, by fetch. */
async function readAll(topic: string): Promise<Array<{ partition: number; offset: number; value: unknown }>> {
  const { partitions } = await client.admin.describeTopic(topic);
  const out: Array<{ partition: number; offset: number; value: unknown }> = [];
  for (const { partition, endOffset } of partitions) {
    let offset = 0;
    while (offset < endOffset) {
      const page = await client.fetch({ topic, partition, offset, limit: 1000 });
      out.push(...page.records.map((r) => ({ partition: r.partition, offset: r.offset, value: r.value })));
      offset = page.nextOffset;
    }
  }
  return out;
}

describe('producer', () => {
  test('splits 1,200 records into requests of at most 500 and returns every position in order', async () => {
    const topic = await newTopic(3);
    const spy = recordingFetch();
    const producer = new TributaryClient({ url: stack.url, token: stack.token, fetch: spy.fetch }).producer();
    const records = Array.from({ length: 1200 }, (_, i) => ({ key: `k${i % 7}`, value: { i } }));

    const positions = await producer.send({ topic, records });

    const produceRequests = spy.requests.filter((r) => r.path.endsWith('/records'));
    expect(produceRequests.map((r) => (JSON.parse(r.body) as { records: unknown[] }).records.length)).toEqual([500, 500, 200]);
    const keys = produceRequests.map((r) => r.headers.get('idempotency-key'));
    expect(new Set(keys).size).toBe(3); // a fresh key per batch
    expect(positions).toHaveLength(1200);
    const stored = await readAll(topic);
    expect(stored).toHaveLength(1200);
    // positions[i] is where records[i] went
    const byPosition = new Map(stored.map((r) => [`${r.partition}:${r.offset}`, r.value]));
    positions.forEach((p, i) => expect(byPosition.get(`${p.partition}:${p.offset}`)).toEqual({ i }));
  });

  test('also splits by bytes, each request body within maxBatchBytes', async () => {
    const topic = await newTopic(1);
    const spy = recordingFetch();
    const producer = new TributaryClient({ url: stack.url, token: stack.token, fetch: spy.fetch }).producer({ maxBatchBytes: 4_000 });
    const records = Array.from({ length: 40 }, (_, i) => ({ value: `${i}-${'x'.repeat(300)}` }));

    const positions = await producer.send({ topic, records });

    const bodies = spy.requests.filter((r) => r.path.endsWith('/records')).map((r) => Buffer.byteLength(r.body));
    expect(bodies.length).toBeGreaterThan(3);
    for (const size of bodies) expect(size).toBeLessThanOrEqual(4_000);
    expect(positions.map((p) => p.offset)).toEqual(records.map((_, i) => i));
  });

  test('a batch whose response was lost is retried with the same Idempotency-Key and stored once', async () => {
    const topic = await newTopic(2);
    const keys: Array<string | null> = [];
    let dropped = 0;
    // The first produce reaches the server and is stored, but its answer never arrives.
    const lossyFetch: FetchLike = async (url, init) => {
      const response = await fetch(url, init);
      if (new URL(url).pathname.endsWith('/records')) {
        keys.push(new Headers(init.headers).get('idempotency-key'));
        if (dropped === 0) {
          dropped++;
          await response.text();
          throw new TypeError('fetch failed');
        }
      }
      return response;
    };
    const producer = new TributaryClient({ url: stack.url, token: stack.token, fetch: lossyFetch, retry: { baseDelayMs: 1 } }).producer();
    const records = Array.from({ length: 10 }, (_, i) => ({ value: i }));

    const positions = await producer.send({ topic, records });

    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    const stored = await readAll(topic);
    expect(stored).toHaveLength(10); // not 20
    expect(positions).toHaveLength(10);
  });

  test('binary values go as valueBase64 and come back as such', async () => {
    const topic = await newTopic(1);
    await client.producer().send({ topic, records: [{ value: new Uint8Array([0, 255, 7]) }, { value: null }] });
    const page = await client.fetch({ topic, partition: 0, offset: 'earliest' });
    expect(page.records[0]?.valueBase64).toBe('AP8H');
    expect(page.records[1]?.value).toBeNull();
  });
});

describe('consumer', () => {
  test('eachRecord receives every record once, in offset order per partition, and commits them', async () => {
    const topic = await newTopic(3);
    await client.producer().send({ topic, records: Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 5}`, value: i })) });
    const consumer = client.consumer({ group: 'each-record', topic, waitMs: 200, maxRecords: 25 });
    const seen: DeliveredRecord[] = [];

    await consumer.run({
      eachRecord: async ({ record }) => {
        seen.push(record);
        if (seen.length === 60) void consumer.stop();
      },
    });

    expect(seen.map((r) => r.value).sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: 60 }, (_, i) => i));
    for (const partition of [0, 1, 2]) {
      const offsets = seen.filter((r) => r.partition === partition).map((r) => r.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
    const group = await client.admin.describeGroup('each-record', topic);
    expect(group.partitions.map((p) => p.lag)).toEqual([0, 0, 0]);
    // stop() left the group: no partition is held any more
    expect(group.partitions.every((p) => p.consumerId === null)).toBe(true);
  });

  test('eachBatch commits the whole batch; with auto-resolve off, only the resolved offsets', async () => {
    const topic = await newTopic(1);
    await client.producer().send({ topic, records: Array.from({ length: 10 }, (_, i) => ({ value: i })) });

    const partial = client.consumer({ group: 'each-batch', topic, waitMs: 0, maxRecords: 10 });
    await partial.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        expect(batch.records).toHaveLength(10);
        for (const record of batch.records.slice(0, 4)) resolveOffset(record.offset);
        void partial.stop();
      },
    });
    expect((await client.admin.describeGroup('each-batch', topic)).partitions[0]?.committedOffset).toBe(4);

    const rest = client.consumer({ group: 'each-batch', topic, waitMs: 0 });
    const batches: number[][] = [];
    await rest.run({
      eachBatch: async ({ batch }) => {
        batches.push(batch.records.map((r) => r.value as number));
        void rest.stop();
      },
    });
    expect(batches).toEqual([[4, 5, 6, 7, 8, 9]]);
    expect((await client.admin.describeGroup('each-batch', topic)).partitions[0]?.lag).toBe(0);
  });

  test('a callback that keeps failing nacks its record until it is dead-lettered; the others are committed', async () => {
    const topic = await newTopic(1, { maxDeliveryAttempts: 2 });
    await client.producer().send({ topic, records: ['a', 'poison', 'b'].map((value) => ({ value })) });
    const consumer = client.consumer({ group: 'nacking', topic, waitMs: 0 });
    const attempts: Array<{ value: unknown; attempt: number }> = [];

    await consumer.run({
      eachRecord: async ({ record }) => {
        attempts.push({ value: record.value, attempt: record.deliveryAttempt });
        if (record.value === 'poison') throw new Error('cannot digest poison');
        if (record.value === 'b') void consumer.stop();
      },
    });

    expect(attempts).toEqual([
      { value: 'a', attempt: 1 },
      { value: 'poison', attempt: 1 },
      { value: 'poison', attempt: 2 },
      { value: 'b', attempt: 1 },
    ]);
    const letters = await client.admin.listAllDeadLetters(topic, { group: 'nacking' });
    expect(letters.map((d) => [d.offset, d.value, d.deliveryAttempts, d.lastError])).toEqual([[1, 'poison', 2, 'cannot digest poison']]);
    expect((await client.admin.describeGroup('nacking', topic)).partitions[0]?.lag).toBe(0);

    expect(await client.admin.redriveDeadLetters(topic, { group: 'nacking' })).toBe(1);
    const redriven = await client.fetch({ topic, partition: 0, offset: 3 });
    expect(redriven.records[0]?.value).toBe('poison');
    expect(redriven.records[0]?.headers['x-dlq-group']).toBe('nacking');
    expect(await client.admin.listAllDeadLetters(topic, { group: 'nacking' })).toEqual([]);
  });

  test('two consumers of one group share the partitions; each record is processed once', async () => {
    const topic = await newTopic(4);
    await client.producer().send({ topic, records: Array.from({ length: 80 }, (_, i) => ({ key: `key-${i}`, value: i })) });
    const seen: number[] = [];
    const consumers = [1, 2].map((n) => client.consumer({ group: 'sharing', topic, consumerId: `c${n}`, waitMs: 100, maxRecords: 5 }));
    const done = consumers.map((consumer) =>
      consumer.run({
        eachRecord: async ({ record }) => {
          seen.push(record.value as number);
          if (seen.length >= 80) for (const c of consumers) void c.stop();
        },
      }),
    );
    await Promise.all(done);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 80 }, (_, i) => i));
  });
});

describe('admin and typed errors', () => {
  test('topics: create, list, describe, update, delete; TOPIC_EXISTS and TOPIC_NOT_FOUND as classes', async () => {
    const topic = await newTopic(2);
    expect((await client.admin.listTopics()).find((t) => t.name === topic)).toEqual({ name: topic, partitions: 2 });
    const described = await client.admin.describeTopic(topic);
    expect(described.partitions.map((p) => p.endOffset)).toEqual([0, 0]);
    expect(described.config.maxDeliveryAttempts).toBe(5);

    const updated = await client.admin.updateTopic(topic, { partitions: 3, retentionMs: 86_400_000 });
    expect(updated.partitions).toHaveLength(3);
    expect(updated.config.retentionMs).toBe(86_400_000);

    const exists = await client.admin.createTopic({ name: topic, partitions: 1 }).catch((e: unknown) => e);
    expect(exists).toBeInstanceOf(TopicExistsError);
    expect(exists).toMatchObject({ code: 'TOPIC_EXISTS', status: 409 });

    await client.admin.deleteTopic(topic);
    const missing = await client.admin.describeTopic(topic).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(TopicNotFoundError);
    expect(missing).toBeInstanceOf(TributaryError);
    expect((missing as TributaryError).code).toBe('TOPIC_NOT_FOUND');
    expect((missing as TributaryError).message).toContain(topic);
  });

  test('a fetch out of range is an OffsetOutOfRangeError carrying the readable range', async () => {
    const topic = await newTopic(1);
    await client.producer().send({ topic, records: [{ value: 1 }, { value: 2 }] });
    const error = await client.fetch({ topic, partition: 0, offset: 99 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OffsetOutOfRangeError);
    expect((error as OffsetOutOfRangeError).startOffset).toBe(0);
    expect((error as OffsetOutOfRangeError).endOffset).toBe(2);
  });

  test('tokens: a minted token works within its permissions, is FORBIDDEN outside them, and is refused once revoked', async () => {
    const topic = await newTopic(1);
    const created = await client.admin.createToken('client-test-producer', [{ topics: topic, actions: ['produce'] }]);
    expect(created.token).toMatch(/^trb_/);
    expect((await client.admin.listTokens()).map((t) => t.id)).toContain(created.id);

    const narrow = new TributaryClient({ url: stack.url, token: created.token });
    expect(await narrow.producer().send({ topic, records: [{ value: 'ok' }] })).toEqual([{ partition: 0, offset: 0 }]);
    await expect(narrow.fetch({ topic, partition: 0, offset: 0 })).rejects.toBeInstanceOf(ForbiddenError);

    await client.admin.revokeToken(created.id);
    expect((await client.admin.listTokens()).map((t) => t.id)).not.toContain(created.id);
    // The test stack's authorizer cache is off, so the revocation shows at once.
    await expect(narrow.admin.listTopics()).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});
