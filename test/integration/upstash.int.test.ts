/**
 * The Upstash Kafka facade (`/upstash`) driven by the `@upstash/kafka` SDK
 * exactly as published (1.3.5, a devDependency), against the local stack:
 * the in-process server, DynamoDB Local and s3rver. Malformed requests the
 * SDK cannot send go through plain fetch with the SDK's Basic header.
 */
import { Kafka, UpstashError, type Message } from '@upstash/kafka';
import { UPSTASH_UNAUTHENTICATED } from '../../lambdas/http/errors';
import { startTestStack, type TestStack } from '../support/backends';
import { ApiClient, expectError } from '../support/http';

let stack: TestStack;
let admin: ApiClient;
let kafka: Kafka;

const basic = (password: string, username = 'anything') => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/** A raw call to the facade, as the SDK makes it (Basic auth, JSON). */
async function raw(method: string, path: string, options: { body?: string; headers?: Record<string, string>; token?: string } = {}) {
  const response = await fetch(`${stack.url}/upstash${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', authorization: basic(options.token ?? stack.token), ...options.headers },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** The Upstash error body: `{"error": "<message>", "status": N}` (plus `code`). */
function expectUpstashError(res: { status: number; body: any }, status: number, messagePart?: string) { // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(res.status).toBe(status);
  expect(res.body.status).toBe(status);
  expect(typeof res.body.error).toBe('string');
  expect(res.body.error.length).toBeGreaterThan(0);
  if (messagePart) expect(res.body.error).toContain(messagePart);
}

async function createTopic(name: string, partitions: number): Promise<void> {
  expect((await admin.post('/v1/topics', { name, partitions })).status).toBe(201);
}

async function endOffsets(topic: string): Promise<number[]> {
  const res = await admin.get(`/v1/topics/${topic}`);
  return (res.body.partitions as Array<{ endOffset: number }>).map((p) => p.endOffset);
}

/** `partition:offset` of messages, sorted. */
const positions = (messages: readonly Message[]) => messages.map((m) => `${m.partition}:${m.offset}`).sort();

beforeAll(async () => {
  stack = await startTestStack({ local: true });
  admin = new ApiClient(stack.url, stack.token);
  kafka = new Kafka({ url: `${stack.url}/upstash`, username: 'anything', password: stack.token });
});
afterAll(() => stack?.stop());

describe('produce and fetch', () => {
  beforeAll(async () => {
    await createTopic('up-orders', 4);
    await createTopic('up-events', 1);
  });

  it('produces one message with a key and headers where Kafka’s partitioner puts the key, and fetches it back unchanged', async () => {
    const producer = kafka.producer();
    const sent = await producer.produce('up-orders', { hello: 'world' }, { key: 'user-42', headers: [{ key: 'traceId', value: '85a9f12' }] });
    // /v1 places the same key on the same partition (murmur2, as Kafka).
    const v1 = await admin.post('/v1/topics/up-orders/records', { records: [{ key: 'user-42', value: 'via v1' }] });
    expect(sent).toEqual({ topic: 'up-orders', partition: v1.body.results[0].partition, offset: 0, timestamp: expect.any(Number) });

    const fetched = await kafka.consumer().fetch({ topic: 'up-orders', partition: sent.partition, offset: 0, timeout: 0 });
    expect(fetched).toEqual([
      { topic: 'up-orders', partition: sent.partition, offset: 0, timestamp: sent.timestamp, key: 'user-42', value: '{"hello":"world"}', headers: [{ key: 'traceId', value: '85a9f12' }] },
      { topic: 'up-orders', partition: sent.partition, offset: 1, timestamp: expect.any(Number), key: 'user-42', value: 'via v1', headers: [] },
    ]);
    // /v1 readers see the Upstash value as the string it is.
    const read = await admin.get(`/v1/topics/up-orders/partitions/${sent.partition}/records?offset=0&limit=1`);
    expect(read.body.records[0]).toMatchObject({ key: 'user-42', value: '{"hello":"world"}', headers: { traceId: '85a9f12' } });
  });

  it('produces many messages to several topics, answering in request order, with timestamps and headers kept', async () => {
    const results = await kafka.producer().produceMany([
      { topic: 'up-events', value: 'first', key: 'k1', timestamp: 1_700_000_000_000 },
      { topic: 'up-orders', value: 'to partition 3', partition: 3, headers: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] },
      { topic: 'up-events', value: { n: 2 }, timestamp: 1_700_000_060_000 },
      { topic: 'up-orders', value: '  spaces and "quotes" \n kept  ', partition: 3 },
    ]);
    expect(results).toEqual([
      { topic: 'up-events', partition: 0, offset: 0, timestamp: 1_700_000_000_000 },
      { topic: 'up-orders', partition: 3, offset: 0, timestamp: expect.any(Number) },
      { topic: 'up-events', partition: 0, offset: 1, timestamp: 1_700_000_060_000 },
      { topic: 'up-orders', partition: 3, offset: 1, timestamp: expect.any(Number) },
    ]);

    const events = await kafka.consumer().fetch({ topic: 'up-events', partition: 0, offset: 0 });
    expect(events.map((m) => [m.offset, m.key, m.value, m.timestamp])).toEqual([
      [0, 'k1', 'first', 1_700_000_000_000],
      [1, '', '{"n":2}', 1_700_000_060_000],
    ]);
    // Both fetch modes of the SDK: one request per partition (parallel, the default) and one request for all.
    const request = {
      topicPartitionOffsets: [
        { topic: 'up-orders', partition: 3, offset: 0 },
        { topic: 'up-events', partition: 0, offset: 1 },
      ],
      timeout: 0,
    };
    for (const parallel of [true, false]) {
      const both = await kafka.consumer().fetch(request, { parallel });
      expect(both.map((m) => [m.topic, m.partition, m.offset, m.value])).toEqual([
        ['up-orders', 3, 0, 'to partition 3'],
        ['up-orders', 3, 1, '  spaces and "quotes" \n kept  '],
        ['up-events', 0, 1, '{"n":2}'],
      ]);
      expect(both[0]!.headers).toEqual([{ key: 'a', value: '1' }, { key: 'b', value: '2' }]);
    }
  });

  it('finds partition offsets by earliest, latest and timestamp', async () => {
    const admin_ = kafka.admin();
    const partitions = [{ topic: 'up-events', partition: 0 }];
    expect(await admin_.topicPartitionOffsets({ timestamp: 'earliest', topicPartitions: partitions })).toEqual([{ topic: 'up-events', partition: 0, offset: 0 }]);
    expect(await admin_.topicPartitionOffsets({ timestamp: 'latest', topicPartition: partitions[0]! })).toEqual([{ topic: 'up-events', partition: 0, offset: 2 }]);
    expect(await admin_.topicPartitionOffsets({ timestamp: 1_700_000_030_000, topicPartitions: partitions })).toEqual([{ topic: 'up-events', partition: 0, offset: 1 }]);
    // After every record's timestamp: the end offset, where the next record goes.
    expect(await admin_.topicPartitionOffsets({ timestamp: 1_800_000_000_000, topicPartitions: partitions })).toEqual([{ topic: 'up-events', partition: 0, offset: 2 }]);
  });

  it('lists topics with their partition counts', async () => {
    const topics = await kafka.admin().topics();
    expect(topics).toMatchObject({ 'up-orders': 4, 'up-events': 1 });
  });

  it('takes the request body of a webhook call as the message value', async () => {
    const res = await raw('POST', '/webhook?topic=up-events', { body: 'plain text, not JSON', headers: { 'Content-Type': 'text/plain' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ topic: 'up-events', partition: 0, offset: 2, timestamp: expect.any(Number) });
    const [message] = await kafka.consumer().fetch({ topic: 'up-events', partition: 0, offset: 2 });
    expect(message?.value).toBe('plain text, not JSON');
  });

  it('long-polls a fetch until a message arrives', async () => {
    const waiting = kafka.consumer().fetch({ topic: 'up-events', partition: 0, offset: 3, timeout: 15_000 });
    await new Promise((r) => setTimeout(r, 300));
    await kafka.producer().produce('up-events', 'wake up');
    expect((await waiting).map((m) => m.value)).toEqual(['wake up']);
  });
});

describe('consumer groups', () => {
  it('shares a topic’s partitions between two instances of a group: together they see every record exactly once', async () => {
    await createTopic('up-shared', 4);
    const producer = kafka.producer();
    const round = (n: number) => producer.produceMany([0, 1, 2, 3, 0, 1, 2, 3].map((partition, i) => ({ topic: 'up-shared', partition, value: `r${n}-${i}` })));
    await round(1);
    const c = kafka.consumer();
    const consume = (instanceId: string) =>
      c.consume({ consumerGroupId: 'workers', instanceId, topics: ['up-shared'], timeout: 0, autoOffsetReset: 'earliest', autoCommit: true, autoCommitInterval: 0 });

    const w1First = await consume('w1'); // alone: every partition
    expect(positions(w1First)).toEqual(['0:0', '0:1', '1:0', '1:1', '2:0', '2:1', '3:0', '3:1']);
    expect(await consume('w2')).toEqual([]); // w1 is live and holds all
    expect(await consume('w1')).toEqual([]); // auto-commits what it read, gives back its surplus
    expect(await consume('w2')).toEqual([]); // takes the freed partitions, from the committed offsets

    const groups = await kafka.admin().consumers();
    const workers = groups.find((g) => g.name === 'workers');
    const held = (name: string) => workers?.instances.find((i) => i.name === name)?.topics.find((t) => t.topic === 'up-shared')?.partitions ?? [];
    expect(held('w1')).toHaveLength(2);
    expect(held('w2')).toHaveLength(2);
    expect([...held('w1'), ...held('w2')].sort()).toEqual([0, 1, 2, 3]);

    await round(2);
    const w1Second = await consume('w1');
    const w2Second = await consume('w2');
    expect(new Set(w1Second.map((m) => m.partition))).toEqual(new Set(held('w1')));
    expect(new Set(w2Second.map((m) => m.partition))).toEqual(new Set(held('w2')));
    expect(positions([...w1Second, ...w2Second])).toEqual(['0:2', '0:3', '1:2', '1:3', '2:2', '2:3', '3:2', '3:3']);
    expect([...w1First, ...w1Second, ...w2Second].map((m) => m.value).sort()).toEqual(
      [1, 2].flatMap((n) => Array.from({ length: 8 }, (_, i) => `r${n}-${i}`)).sort(),
    );
    expect(await consume('w1')).toEqual([]);
    expect(await consume('w2')).toEqual([]);
  });

  it('without auto-commit, moves on between calls but commits only when asked (with and without a body)', async () => {
    await createTopic('up-manual', 2);
    await kafka.producer().produceMany([0, 1, 0, 1, 0].map((partition, i) => ({ topic: 'up-manual', partition, value: `m${i}` })));
    const c = kafka.consumer();
    const consume = () => c.consume({ consumerGroupId: 'manual', instanceId: 'solo', topics: ['up-manual'], timeout: 0, autoOffsetReset: 'earliest', autoCommit: false });
    const committed = () => c.committed({ consumerGroupId: 'manual', instanceId: 'solo', topicPartitions: [{ topic: 'up-manual', partition: 0 }, { topic: 'up-manual', partition: 1 }] });

    expect(positions(await consume())).toEqual(['0:0', '0:1', '0:2', '1:0', '1:1']);
    expect(await consume()).toEqual([]); // the instance's position moved on ...
    expect(await committed()).toEqual([
      { topic: 'up-manual', partition: 0, offset: 0 }, // ... but nothing was committed
      { topic: 'up-manual', partition: 1, offset: 0 },
    ]);

    await c.commit({ consumerGroupId: 'manual', instanceId: 'solo', offset: { topic: 'up-manual', partition: 1, offset: 1 } });
    expect(await committed()).toEqual([
      { topic: 'up-manual', partition: 0, offset: 0 },
      { topic: 'up-manual', partition: 1, offset: 1 },
    ]);
    // No body: everything the instance consumed.
    await c.commit({ consumerGroupId: 'manual', instanceId: 'solo' });
    const all = [
      { topic: 'up-manual', partition: 0, offset: 3 },
      { topic: 'up-manual', partition: 1, offset: 2 },
    ];
    expect(await committed()).toEqual(all);
    expect(await kafka.admin().committedOffsets({ consumerGroupId: 'manual', instanceId: 'solo', topicPartitions: all.map(({ topic, partition }) => ({ topic, partition })) })).toEqual(all);
    // An array of offsets; an offset below the committed one leaves it (commits never go backwards).
    await c.commit({ consumerGroupId: 'manual', instanceId: 'solo', offset: [{ topic: 'up-manual', partition: 0, offset: 1 }] });
    expect(await committed()).toEqual(all);
  });

  it('redelivers what an instance consumed but did not commit once it is removed, and frees its partitions at once', async () => {
    await createTopic('up-redeliver', 1);
    await kafka.producer().produceMany(['a', 'b', 'c'].map((value) => ({ topic: 'up-redeliver', value })));
    const c = kafka.consumer();
    const consume = (instanceId: string, autoCommitInterval: number) =>
      c.consume({ consumerGroupId: 'redeliver', instanceId, topics: ['up-redeliver'], timeout: 0, autoOffsetReset: 'earliest', autoCommitInterval });

    // A long auto-commit interval: the second call is too early to commit.
    expect((await consume('first', 60_000)).map((m) => m.value)).toEqual(['a', 'b', 'c']);
    expect(await consume('first', 60_000)).toEqual([]);
    expect((await kafka.admin().consumers()).find((g) => g.name === 'redeliver')?.instances).toEqual([
      { name: 'first', topics: [{ topic: 'up-redeliver', partitions: [0] }] },
    ]);

    await kafka.admin().removeConsumerInstance('redeliver', 'first');
    expect((await kafka.admin().consumers()).find((g) => g.name === 'redeliver')).toBeUndefined();
    // The partition is free now (not after the session timeout), and nothing was committed.
    expect((await consume('second', 0)).map((m) => m.value)).toEqual(['a', 'b', 'c']);
    expectUpstashError(await raw('POST', '/delete-consumer/redeliver/first'), 404, "Consumer instance 'first'");
  });

  it('fences an instance that lost its partition: its commits skip it, and it reads again from the committed offset', async () => {
    await createTopic('up-fenced', 1);
    await kafka.producer().produceMany(['x', 'y'].map((value) => ({ topic: 'up-fenced', value })));
    const c = kafka.consumer();
    const consume = async () =>
      (await c.consume({ consumerGroupId: 'fenced', instanceId: 'f1', topics: ['up-fenced'], timeout: 0, autoOffsetReset: 'earliest', autoCommit: false })).map((m) => m.value);
    const committed = () => c.committed({ consumerGroupId: 'fenced', instanceId: 'f1', topicPartitions: [{ topic: 'up-fenced', partition: 0 }] });
    // Another client of the group removes the consumer through /v1: its lease ends at once.
    const kick = async () => expect((await admin.delete('/v1/groups/fenced/consumers/f1?topic=up-fenced')).status).toBe(204);

    expect(await consume()).toEqual(['x', 'y']);
    await kick();
    expectUpstashError(await raw('POST', '/commit/fenced/f1', { body: JSON.stringify({ topic: 'up-fenced', partition: 0, offset: 2 }) }), 409, 'does not hold the lease');
    // Back in the group under a new lease: what it read under the old one was never committed, so it comes again.
    expect(await consume()).toEqual(['x', 'y']);

    await kick();
    expect((await raw('POST', '/commit/fenced/f1')).body).toEqual({ result: 'Success', status: 200 }); // nothing held: nothing committed
    expect(await committed()).toEqual([{ topic: 'up-fenced', partition: 0, offset: 0 }]);
    expect(await consume()).toEqual(['x', 'y']);
    await c.commit({ consumerGroupId: 'fenced', instanceId: 'f1' });
    expect(await committed()).toEqual([{ topic: 'up-fenced', partition: 0, offset: 2 }]);
    expect(await consume()).toEqual([]);
  });

  it('starts a new group at the end of the topic by default (latest), and consumes several topics in one call', async () => {
    await createTopic('up-latest-a', 1);
    await createTopic('up-latest-b', 2);
    await kafka.producer().produceMany([{ topic: 'up-latest-a', value: 'old' }, { topic: 'up-latest-b', value: 'old', partition: 1 }]);
    const c = kafka.consumer();
    const consume = () => c.consume({ consumerGroupId: 'tail', instanceId: 't1', topics: ['up-latest-a', 'up-latest-b'], timeout: 0 });
    expect(await consume()).toEqual([]);
    await kafka.producer().produceMany([
      { topic: 'up-latest-a', value: 'new-a' },
      { topic: 'up-latest-b', value: 'new-b', partition: 0 },
    ]);
    const messages = await consume();
    expect(messages.map((m) => [m.topic, m.value]).sort()).toEqual([['up-latest-a', 'new-a'], ['up-latest-b', 'new-b']]);
  });

  it('refuses Kafka-Auto-Offset-Reset none for a group without committed offsets, and unknown values', async () => {
    await createTopic('up-none', 1);
    const body = JSON.stringify({ topic: 'up-none', timeout: 0 });
    expectUpstashError(await raw('POST', '/consume/fresh/i1', { body, headers: { 'Kafka-Auto-Offset-Reset': 'none' } }), 400, 'no committed offset');
    expectUpstashError(await raw('POST', '/consume/fresh/i1', { body, headers: { 'Kafka-Auto-Offset-Reset': 'smallest' } }), 400, 'Kafka-Auto-Offset-Reset');
    expectUpstashError(await raw('POST', '/consume/fresh/i1', { body, headers: { 'Kafka-Enable-Auto-Commit': 'yes' } }), 400, 'Kafka-Enable-Auto-Commit');
    expectUpstashError(await raw('POST', '/consume/fresh/i1', { body, headers: { 'Kafka-Auto-Commit-Interval': '-5' } }), 400, 'Kafka-Auto-Commit-Interval');
    // Once the group has offsets, none consumes normally.
    expect((await raw('POST', '/consume/fresh/i1', { body, headers: { 'Kafka-Auto-Offset-Reset': 'earliest' } })).status).toBe(200);
    expect((await raw('POST', '/consume/fresh/i1', { body, headers: { 'Kafka-Auto-Offset-Reset': 'none' } })).body).toEqual([]);
  });
});

describe('authentication, permissions and bad input', () => {
  beforeAll(async () => {
    await createTopic('up-limited-a', 1);
    await createTopic('up-other', 1);
  });

  it('surfaces a wrong password and a missing permission as UpstashError with the status and a clear message', async () => {
    const minted = await admin.post('/v1/tokens', { name: 'upstash-limited', permissions: [{ topics: 'up-limited*', actions: ['produce', 'consume'] }] });
    expect(minted.status).toBe(201);
    const limited = new Kafka({ url: `${stack.url}/upstash`, username: 'someone', password: minted.body.token });
    expect(await limited.producer().produce('up-limited-a', 'allowed')).toMatchObject({ topic: 'up-limited-a', offset: 0 });

    const wrong = new Kafka({ url: `${stack.url}/upstash`, username: 'anything', password: 'trb_0000000000000000_not-the-secret' });
    // The SDK retries failed calls (about 15 s in all) before it throws: both run side by side.
    const [unauthenticated, forbidden] = await Promise.all([
      wrong.producer().produce('up-limited-a', 'x').catch((e: unknown) => e),
      limited.producer().produce('up-other', 'x').catch((e: unknown) => e),
    ]);
    expect(unauthenticated).toBeInstanceOf(UpstashError);
    expect(unauthenticated).toMatchObject({ status: 401, message: UPSTASH_UNAUTHENTICATED });
    expect(forbidden).toBeInstanceOf(UpstashError);
    expect(forbidden).toMatchObject({ status: 403, message: "The token lacks the 'produce' permission on topic 'up-other'." });
    expect(await endOffsets('up-other')).toEqual([0]);
  }, 60_000);

  it('answers malformed Basic credentials with 401 in each API’s own error body', async () => {
    const malformed = [
      'Basic',
      'Basic !!!not-base64',
      `Basic ${Buffer.from('no colon here').toString('base64')}`,
      `Basic ${Buffer.from('user:').toString('base64')}`, // empty password
      basic(`${stack.token}x`), // a wrong secret
      basic(stack.token).replace(/=+$/, ''), // base64 without its padding
    ];
    for (const authorization of malformed) {
      const res = await raw('GET', '/topics', { headers: { authorization } });
      expectUpstashError(res, 401, UPSTASH_UNAUTHENTICATED);
      expect(res.body.code).toBe('UNAUTHENTICATED');
      // On /v1 the same header is a 401 with the /v1 error body.
      expectError(await admin.get('/v1/topics', { token: null, headers: { Authorization: authorization } }), 401, 'UNAUTHENTICATED');
    }
    // The right token works as the password whatever the username, and as a bearer token on /upstash too.
    expect((await raw('GET', '/topics', { headers: { authorization: basic(stack.token, '') } })).status).toBe(200);
    expect((await raw('GET', '/topics', { headers: { authorization: `Bearer ${stack.token}` } })).status).toBe(200);
  });

  it('refuses a produce that names a forbidden topic among allowed ones, storing nothing', async () => {
    const minted = await admin.post('/v1/tokens', { name: 'upstash-limited-2', permissions: [{ topics: 'up-limited*', actions: ['produce'] }] });
    const body = JSON.stringify([{ topic: 'up-limited-a', value: 'ok' }, { topic: 'up-other', value: 'no' }]);
    const before = await endOffsets('up-limited-a');
    expectUpstashError(await raw('POST', '/produce', { body, token: minted.body.token }), 403, "topic 'up-other'");
    expect(await endOffsets('up-limited-a')).toEqual(before);
    // Reading needs consume; listing needs admin on every topic.
    expectUpstashError(await raw('POST', '/fetch', { body: JSON.stringify({ topic: 'up-limited-a', partition: 0, offset: 0 }), token: minted.body.token }), 403);
    expectUpstashError(await raw('GET', '/topics', { token: minted.body.token }), 403);
  });

  it('answers bad input with a 4xx JSON error naming the problem, and stores nothing', async () => {
    const before = await endOffsets('up-other');
    expectUpstashError(await raw('POST', '/produce', { body: '{"topic": "up-other", "value": ' }), 400, 'not valid JSON');
    expectUpstashError(await raw('POST', '/produce', { body: '' }), 400, 'body');
    expectUpstashError(await raw('POST', '/produce', { body: '{"topic":"up-other","value":{"not":"a string"}}' }), 400, 'value');
    expectUpstashError(await raw('POST', '/produce', { body: '[{"topic":"up-other","value":"ok"},{"topic":"up-other","value":"x","extra":1}]' }), 400, "[1].extra: unknown field 'extra'");
    expectUpstashError(await raw('POST', '/produce', { body: '{"topic":"up-other","value":"x","headers":[{"key":"a","value":"1"},{"key":"a","value":"2"}]}' }), 400, 'headers[1].key');
    expectUpstashError(await raw('POST', '/produce', { body: '{"topic":"up-other","value":"x","partition":7}' }), 400, 'partition');
    expectUpstashError(await raw('POST', '/produce', { body: '{"topic":"no-such-topic","value":"x"}' }), 404, "Topic 'no-such-topic' does not exist");
    expectUpstashError(await raw('POST', '/produce', { body: '{"topic":"bad topic","value":"x"}' }), 400, 'topic');
    expectUpstashError(await raw('POST', '/webhook', { body: 'x' }), 400, 'topic');
    expect(await endOffsets('up-other')).toEqual(before);

    expectUpstashError(await raw('POST', '/fetch', { body: '{"topic":"up-other","partition":0}' }), 400, 'offset');
    expectUpstashError(await raw('POST', '/fetch', { body: '{"topic":"up-other","partition":5,"offset":0}' }), 404, 'no partition 5');
    expectUpstashError(await raw('POST', '/fetch', { body: '{"topic":"up-other","partition":0,"offset":99}' }), 416);
    expectUpstashError(await raw('POST', '/consume/g/i', { body: '{"topic":"up-other","topics":["up-other"]}' }), 400, 'topic');
    expectUpstashError(await raw('POST', '/consume/bad%20group/i', { body: '{"topic":"up-other"}' }), 400, 'group');
    expectUpstashError(await raw('POST', '/commit/g/i', { body: '{"topic":"up-other","partition":0}' }), 400, 'offset');
    // Offset 0 is always in range: the refusal is the fencing (an offset past the end is 416 before that).
    expectUpstashError(await raw('POST', '/commit/g/never-consumed', { body: '{"topic":"up-other","partition":0,"offset":0}' }), 409);
    expectUpstashError(await raw('POST', '/committed/g/i', { body: '[{"topic":"up-other","partition":"0"}]' }), 400, '[0].partition');
    expectUpstashError(await raw('POST', '/offsets/yesterday', { body: '[{"topic":"up-other","partition":0}]' }), 400, 'timestamp');
    // A commit without a body by an unknown instance has nothing to commit.
    expect((await raw('POST', '/commit/g/never-consumed')).body).toEqual({ result: 'Success', status: 200 });
  });
});
