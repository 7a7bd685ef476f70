/** The Consumer groups section of API.md, driven over HTTP as a client would. */
import { expectError, uniqueName } from '../support/http';
import { groupCalls, nextOffsets, type Delivered } from '../support/group-calls';
import { useTarget } from '../support/target';

const session = useTarget('groups');
const { created, createTopic } = session;
const { fill, poll, commit, nack, describeGroup, pollOk } = groupCalls(session);

const ids = (records: readonly Delivered[]) => records.map((r) => `${r.partition}:${r.offset}`).sort();

describe('Polling and committing', () => {
  it('delivers every record of every partition to a lone consumer, again until committed, then nothing new', async () => {
    const topic = await createTopic(3);
    await fill(topic, 3, 3);
    const group = uniqueName('solo');
    const first = await pollOk(group, topic, 'c1');
    expect(first.partitions).toEqual([0, 1, 2]);
    expect(first.assignment.every((a) => a.leaseExpiresAt > Date.now())).toBe(true);
    expect(first.records).toHaveLength(9);
    expect(first.records.every((r) => r.deliveryAttempt === 1)).toBe(true);
    expect(first.records.map((r) => r.value).sort()).toEqual(['p0-0', 'p0-1', 'p0-2', 'p1-0', 'p1-1', 'p1-2', 'p2-0', 'p2-1', 'p2-2']);
    expect(first.records.find((r) => r.value === 'p1-2')).toMatchObject({ partition: 1, offset: 2, key: 'k7', headers: {} });
    const again = await pollOk(group, topic, 'c1');
    expect(ids(again.records)).toEqual(ids(first.records));
    const committed = await commit(group, { topic, consumerId: 'c1', offsets: nextOffsets(first.records) });
    expect(committed.status).toBe(200);
    expect((await pollOk(group, topic, 'c1')).records).toEqual([]);
    await fill(topic, 3, 1);
    const fresh = await pollOk(group, topic, 'c1');
    expect(ids(fresh.records)).toEqual(['0:3', '1:3', '2:3']);
  });

  it('starts a new group at the end of the partitions with autoOffsetReset latest', async () => {
    const topic = await createTopic(1);
    await fill(topic, 1, 3);
    const group = uniqueName('latest');
    expect((await pollOk(group, topic, 'c1', { autoOffsetReset: 'latest' })).records).toEqual([]);
    await fill(topic, 1, 1);
    const { records } = await pollOk(group, topic, 'c1', { autoOffsetReset: 'latest' });
    expect(records.map((r) => r.offset)).toEqual([3]);
  });

  it('returns a long poll as soon as a record is produced meanwhile', async () => {
    const topic = await createTopic(1);
    const group = uniqueName('long');
    const started = Date.now();
    const waiting = pollOk(group, topic, 'c1', { waitMs: 15000 });
    await new Promise((r) => setTimeout(r, 700));
    await session.target.client.post(`/v1/topics/${topic}/records`, { records: [{ value: 'wake up' }] });
    const { records } = await waiting;
    expect(records.map((r) => r.value)).toEqual(['wake up']);
    expect(Date.now() - started).toBeLessThan(12000);
  });

  it('ignores a commit lower than the committed offset (200) and keeps the higher one', async () => {
    const topic = await createTopic(1);
    await fill(topic, 1, 6);
    const group = uniqueName('lower');
    await pollOk(group, topic, 'c1');
    expect((await commit(group, { topic, consumerId: 'c1', offsets: [{ partition: 0, offset: 5 }] })).status).toBe(200);
    expect((await commit(group, { topic, consumerId: 'c1', offsets: [{ partition: 0, offset: 2 }] })).status).toBe(200);
    expect((await commit(group, { topic, consumerId: 'c1', offsets: [{ partition: 0, offset: 5 }] })).status).toBe(200);
    const described = await describeGroup(group, topic);
    expect(described.body.partitions[0]).toMatchObject({ committedOffset: 5, endOffset: 6, lag: 1 });
    expect((await pollOk(group, topic, 'c1')).records.map((r) => r.offset)).toEqual([5]);
  });

  it('answers 409 NOT_LEASE_HOLDER to a commit from a consumer that does not hold the partition', async () => {
    const topic = await createTopic(2);
    await fill(topic, 2, 2);
    const group = uniqueName('fenced');
    expect((await pollOk(group, topic, 'holder')).partitions).toEqual([0, 1]);
    expectError(await commit(group, { topic, consumerId: 'intruder', offsets: [{ partition: 0, offset: 1 }] }), 409, 'NOT_LEASE_HOLDER');
    expect((await pollOk(group, topic, 'bystander')).partitions).toEqual([]);
    expectError(await commit(group, { topic, consumerId: 'bystander', offsets: [{ partition: 1, offset: 1 }] }), 409, 'NOT_LEASE_HOLDER');
    expect((await describeGroup(group, topic)).body.partitions.map((p: { committedOffset: number }) => p.committedOffset)).toEqual([0, 0]);
  });
});

describe('Queue model and pub/sub', () => {
  it('splits 4 partitions disjointly over 3 consumers of a group, each record delivered once, and a second group gets them all', async () => {
    const topic = await createTopic(4);
    await fill(topic, 4, 5);
    const group = uniqueName('queue');
    const consumers = ['c-a', 'c-b', 'c-c'];
    const held = new Map<string, number[]>();
    // Concurrent polls in rounds (nothing committed, so nothing consumed) until a whole round changes no assignment.
    for (let round = 0, stable = false; !stable; round++) {
      expect(round).toBeLessThan(8);
      const polled = await Promise.all(consumers.map((c) => pollOk(group, topic, c, { maxRecords: 1 })));
      stable = round > 0 && consumers.every((c, i) => held.get(c)?.join() === polled[i]!.partitions.join());
      consumers.forEach((c, i) => held.set(c, polled[i]!.partitions));
    }
    const all = [...held.values()].flat().sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3]);
    expect([...held.values()].map((p) => p.length).sort()).toEqual([1, 1, 2]);
    const received: Delivered[] = [];
    for (let round = 0; round < 2; round++) {
      for (const c of consumers) {
        const { records, partitions } = await pollOk(group, topic, c);
        expect(partitions).toEqual(held.get(c));
        expect(records.every((r) => partitions.includes(r.partition))).toBe(true);
        if (records.length > 0) expect((await commit(group, { topic, consumerId: c, offsets: nextOffsets(records) })).status).toBe(200);
        received.push(...records);
      }
    }
    expect(received).toHaveLength(20);
    expect(new Set(ids(received)).size).toBe(20);

    const other = await pollOk(uniqueName('pubsub'), topic, 'solo');
    expect(ids(other.records)).toEqual(ids(received));
  });

  it('frees a leaving consumer’s partitions at once, so another consumer’s next poll takes them', async () => {
    const topic = await createTopic(2);
    await fill(topic, 2, 2);
    const group = uniqueName('leave');
    expect((await pollOk(group, topic, 'first')).partitions).toEqual([0, 1]);
    expect((await pollOk(group, topic, 'second')).partitions).toEqual([]);
    const left = await session.target.client.delete(`/v1/groups/${group}/consumers/first?topic=${topic}`);
    expect(left.status).toBe(204);
    expect(left.text).toBe('');
    expectError(await session.target.client.delete(`/v1/groups/${group}/consumers/first`), 400, 'INVALID_REQUEST');
    expectError(await session.target.client.delete(`/v1/groups/${uniqueName('none')}/consumers/first?topic=${topic}`), 404, 'GROUP_NOT_FOUND');
    const taken = await pollOk(group, topic, 'second');
    expect(taken.partitions).toEqual([0, 1]);
    expect(taken.records).toHaveLength(4); // nothing was committed: delivered again (at-least-once)
    const described = await describeGroup(group, topic);
    expect(described.body.partitions.map((p: { consumerId: string }) => p.consumerId)).toEqual(['second', 'second']);
  });
});

describe('Sessions', () => {
  it('fences a consumer whose session ran out: another takes its partition, and its commit and nack answer 409', async () => {
    const topic = await createTopic(1);
    await fill(topic, 1, 2);
    const group = uniqueName('expiry');
    // 3 s, so that fast's first poll comes while slow is still live even on a loaded machine.
    expect((await pollOk(group, topic, 'slow', { sessionTimeoutMs: 3000 })).partitions).toEqual([0]);
    expect((await pollOk(group, topic, 'fast')).partitions).toEqual([]);
    await new Promise((r) => setTimeout(r, 3500));
    const expired = (await describeGroup(group, topic)).body.partitions[0];
    expect(expired).toMatchObject({ committedOffset: 0, consumerId: null, leaseExpiresAt: null });
    const taken = await pollOk(group, topic, 'fast');
    expect(taken.partitions).toEqual([0]);
    // slow's lease lapsed with records it did not commit: a failed delivery of the first of them.
    expect(taken.records.map((r) => [r.offset, r.deliveryAttempt])).toEqual([[0, 2], [1, 1]]);
    expectError(await commit(group, { topic, consumerId: 'slow', offsets: [{ partition: 0, offset: 2 }] }), 409, 'NOT_LEASE_HOLDER');
    expectError(await nack(group, { topic, consumerId: 'slow', partition: 0, offset: 0 }), 409, 'NOT_LEASE_HOLDER');
    expect((await describeGroup(group, topic)).body.partitions[0]).toMatchObject({ committedOffset: 0, consumerId: 'fast' });
  });
});

describe('Describing a group', () => {
  it('shows committed offsets, end offsets, lag, and the live holder with its lease', async () => {
    const topic = await createTopic(2);
    await session.target.client.post(`/v1/topics/${topic}/records`, {
      records: [{ value: 1, partition: 0 }, { value: 2, partition: 0 }, { value: 3, partition: 0 }, { value: 4, partition: 1 }],
    });
    const group = uniqueName('describe');
    const { assignment } = await pollOk(group, topic, 'c1');
    await commit(group, { topic, consumerId: 'c1', offsets: [{ partition: 0, offset: 1 }] });
    const response = await describeGroup(group, topic);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ group, topic });
    const lease = assignment.find((a) => a.partition === 0)!.leaseExpiresAt;
    expect(response.body.partitions).toEqual([
      { partition: 0, committedOffset: 1, endOffset: 3, lag: 2, consumerId: 'c1', leaseExpiresAt: lease },
      { partition: 1, committedOffset: 0, endOffset: 1, lag: 1, consumerId: 'c1', leaseExpiresAt: expect.any(Number) },
    ]);
  });

  it('answers 404 GROUP_NOT_FOUND for an unknown group and 400 naming topic without ?topic', async () => {
    const topic = await createTopic(1);
    expectError(await describeGroup(uniqueName('nobody'), topic), 404, 'GROUP_NOT_FOUND');
    const missing = expectError(await session.target.client.get(`/v1/groups/${uniqueName('g')}`), 400, 'INVALID_REQUEST');
    expect(missing.body.error.message).toContain('topic');
    expectError(await describeGroup('g', 'no-such-topic-xyz'), 404, 'TOPIC_NOT_FOUND');
  });
});

describe('Nack, retries and dead letters', () => {
  it('redelivers a nacked record after its backoff with a growing deliveryAttempt', async () => {
    const topic = await createTopic(1, { maxDeliveryAttempts: 3 });
    await fill(topic, 1, 2);
    const group = uniqueName('retry');
    const first = await pollOk(group, topic, 'c1', { maxRecords: 1 });
    expect(first.records.map((r) => [r.offset, r.deliveryAttempt])).toEqual([[0, 1]]);
    const retried = await nack(group, { topic, consumerId: 'c1', partition: 0, offset: 0, error: 'boom' });
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ action: 'retry', deliveryAttempt: 1 });
    const second = await pollOk(group, topic, 'c1', { waitMs: 10000, maxRecords: 1 });
    expect(second.records.map((r) => [r.offset, r.deliveryAttempt])).toEqual([[0, 2]]);
    expect((await nack(group, { topic, consumerId: 'c1', partition: 0, offset: 0 })).body).toEqual({ action: 'retry', deliveryAttempt: 2 });
    const third = await pollOk(group, topic, 'c1', { waitMs: 10000 });
    expect(third.records.map((r) => [r.offset, r.deliveryAttempt])).toEqual([[0, 3], [1, 1]]);
    await commit(group, { topic, consumerId: 'c1', offsets: [{ partition: 0, offset: 1 }] });
    const after = await pollOk(group, topic, 'c1');
    expect(after.records.map((r) => [r.offset, r.deliveryAttempt])).toEqual([[1, 1]]);
  });

  it('dead-letters a record after maxDeliveryAttempts failures and continues after it', async () => {
    const topic = await createTopic(1, { maxDeliveryAttempts: 2 });
    await session.target.client.post(`/v1/topics/${topic}/records`, {
      records: [{ key: 'bad', value: { poison: true }, headers: { h: 'v' } }, { value: 'good' }],
    });
    const group = uniqueName('dlq');
    await pollOk(group, topic, 'c1');
    expect((await nack(group, { topic, consumerId: 'c1', partition: 0, offset: 0, error: 'first' })).body).toEqual({ action: 'retry', deliveryAttempt: 1 });
    const redelivered = await pollOk(group, topic, 'c1', { waitMs: 10000, maxRecords: 1 });
    expect(redelivered.records.map((r) => r.deliveryAttempt)).toEqual([2]);
    const dead = await nack(group, { topic, consumerId: 'c1', partition: 0, offset: 0, error: 'still broken' });
    expect(dead.body).toEqual({ action: 'dead-lettered', deliveryAttempt: 2 });
    const next = await pollOk(group, topic, 'c1');
    expect(next.records.map((r) => [r.offset, r.value, r.deliveryAttempt])).toEqual([[1, 'good', 1]]);
    expect((await describeGroup(group, topic)).body.partitions[0].committedOffset).toBe(1);
    const listed = await session.target.client.get(`/v1/topics/${topic}/dead-letters?group=${group}`);
    expect(listed.status).toBe(200);
    expect(listed.body.deadLetters).toEqual([
      expect.objectContaining({
        group, partition: 0, offset: 0, key: 'bad', value: { poison: true }, headers: { h: 'v' },
        deliveryAttempts: 2, lastError: 'still broken', deadLetteredAt: expect.any(Number), id: expect.any(String),
      }),
    ]);
  });

  it('redelivers every nacked record of a polled batch, not only the last one nacked', async () => {
    const topic = await createTopic(1, { maxDeliveryAttempts: 3 });
    await fill(topic, 1, 3);
    const group = uniqueName('nack2');
    expect((await pollOk(group, topic, 'c1')).records.map((r) => r.offset)).toEqual([0, 1, 2]);
    expect((await nack(group, { topic, consumerId: 'c1', partition: 0, offset: 0, error: 'e0' })).body.action).toBe('retry');
    expect((await nack(group, { topic, consumerId: 'c1', partition: 0, offset: 2, error: 'e2' })).body.action).toBe('retry');
    const again = await pollOk(group, topic, 'c1', { waitMs: 5000 });
    expect(again.records[0]).toMatchObject({ offset: 0, deliveryAttempt: 2 });
    // Nothing was committed past the failed record: the whole rest comes again (at-least-once).
    expect(again.records.map((r) => r.offset)).toEqual([0, 1, 2]);
  });

  it('refuses a nack below the committed offset (400), of a missing offset (416), and from a non-holder (409)', async () => {
    const topic = await createTopic(1);
    await fill(topic, 1, 3);
    const group = uniqueName('nackbad');
    await pollOk(group, topic, 'c1');
    await commit(group, { topic, consumerId: 'c1', offsets: [{ partition: 0, offset: 2 }] });
    const below = expectError(await nack(group, { topic, consumerId: 'c1', partition: 0, offset: 1 }), 400, 'INVALID_REQUEST');
    expect(below.body.error.message).toContain('offset');
    expectError(await nack(group, { topic, consumerId: 'c1', partition: 0, offset: 3 }), 416, 'OFFSET_OUT_OF_RANGE');
    expectError(await nack(group, { topic, consumerId: 'c2', partition: 0, offset: 2 }), 409, 'NOT_LEASE_HOLDER');
  });
});

describe('Validation and missing resources', () => {
  let topic: string;
  beforeAll(async () => {
    topic = await createTopic(1);
  });

  const ops = { poll, commit, nack };
  it.each([
    ['poll', 'topic', { consumerId: 'c1' }],
    ['poll', 'consumerId', { topic: 'T' }],
    ['poll', 'consumerId', { topic: 'T', consumerId: 'has space' }],
    ['poll', 'maxRecords', { topic: 'T', consumerId: 'c1', maxRecords: 0 }],
    ['poll', 'maxRecords', { topic: 'T', consumerId: 'c1', maxRecords: 1001 }],
    ['poll', 'waitMs', { topic: 'T', consumerId: 'c1', waitMs: 20001 }],
    ['poll', 'sessionTimeoutMs', { topic: 'T', consumerId: 'c1', sessionTimeoutMs: 999 }],
    ['poll', 'sessionTimeoutMs', { topic: 'T', consumerId: 'c1', sessionTimeoutMs: 300001 }],
    ['poll', 'autoOffsetReset', { topic: 'T', consumerId: 'c1', autoOffsetReset: 'middle' }],
    ['poll', 'colour', { topic: 'T', consumerId: 'c1', colour: 'red' }],
    ['commit', 'offsets', { topic: 'T', consumerId: 'c1' }],
    ['commit', 'offsets', { topic: 'T', consumerId: 'c1', offsets: [] }],
    ['commit', 'offsets[0].offset', { topic: 'T', consumerId: 'c1', offsets: [{ partition: 0 }] }],
    ['commit', 'offsets[0].offset', { topic: 'T', consumerId: 'c1', offsets: [{ partition: 0, offset: -1 }] }],
    ['commit', 'offsets[1].partition', { topic: 'T', consumerId: 'c1', offsets: [{ partition: 0, offset: 1 }, { partition: '1', offset: 1 }] }],
    ['commit', 'offsets[0].extra', { topic: 'T', consumerId: 'c1', offsets: [{ partition: 0, offset: 1, extra: 1 }] }],
    ['commit', 'consumerId', { topic: 'T', offsets: [{ partition: 0, offset: 1 }] }],
    ['nack', 'partition', { topic: 'T', consumerId: 'c1', offset: 0 }],
    ['nack', 'offset', { topic: 'T', consumerId: 'c1', partition: 0 }],
    ['nack', 'offset', { topic: 'T', consumerId: 'c1', partition: 0, offset: 1.5 }],
    ['nack', 'error', { topic: 'T', consumerId: 'c1', partition: 0, offset: 0, error: 42 }],
    ['nack', 'error', { topic: 'T', consumerId: 'c1', partition: 0, offset: 0, error: 'x'.repeat(4097) }],
    ['nack', 'consumerId', { topic: 'T', partition: 0, offset: 0 }],
    ['nack', 'retry', { topic: 'T', consumerId: 'c1', partition: 0, offset: 0, retry: true }],
  ] as const)('answers a %s whose %s is bad with 400 INVALID_REQUEST naming it (case %#)', async (op, field, body: Record<string, unknown>) => {
    const response = expectError(await ops[op]('g', { ...body, ...(body.topic ? { topic } : {}) }), 400, 'INVALID_REQUEST');
    expect(response.body.error.message).toContain(field);
  });

  it('answers 400 for a malformed group name or a body that is not JSON', async () => {
    const bad = expectError(await poll('bad%20group', { topic, consumerId: 'c1' }), 400, 'INVALID_REQUEST');
    expect(bad.body.error.message).toContain('group');
    expectError(await session.target.client.request('POST', '/v1/groups/g/poll', { rawBody: '{"topic": ' }), 400, 'INVALID_REQUEST');
  });

  it('answers 404 TOPIC_NOT_FOUND to poll, commit and nack on a missing topic', async () => {
    const missing = 'no-such-topic-xyz';
    expectError(await poll('g', { topic: missing, consumerId: 'c1' }), 404, 'TOPIC_NOT_FOUND');
    expectError(await commit('g', { topic: missing, consumerId: 'c1', offsets: [{ partition: 0, offset: 1 }] }), 404, 'TOPIC_NOT_FOUND');
    expectError(await nack('g', { topic: missing, consumerId: 'c1', partition: 0, offset: 0 }), 404, 'TOPIC_NOT_FOUND');
  });

  it('answers 404 PARTITION_NOT_FOUND to a commit of a partition the topic does not have', async () => {
    await pollOk('g-parts', topic, 'c1');
    expectError(await commit('g-parts', { topic, consumerId: 'c1', offsets: [{ partition: 1, offset: 1 }] }), 404, 'PARTITION_NOT_FOUND');
  });
});
