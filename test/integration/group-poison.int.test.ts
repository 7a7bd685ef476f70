/**
 * Poison records in consumer groups on DynamoDB Local: a lease that lapses
 * while its holder had records delivered and not committed counts a failed
 * delivery of the first uncommitted record; at maxDeliveryAttempts the record
 * is dead-lettered exactly once and the partition moves on (invariant 5).
 * Leaving (DELETE), a forced reset and committing in time count nothing.
 */
import { LEASE_EXPIRED_ERROR } from '../../lambdas/core/groups/expiry';
import type { PollRequest } from '../../lambdas/core/groups/groups';
import { metered } from '../../lambdas/observability/capacity-meter';
import { buildEngine, type Engine } from '../support/engine';
import { createTestTables, type TestTables } from '../support/backends';

let tables: TestTables;
let admin: Engine;

beforeAll(async () => {
  tables = await createTestTables();
  admin = buildEngine(tables.config);
});

const json = (value: unknown) => ({ json: JSON.stringify(value) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SESSION_MS = 2000;
/** Long enough for a SESSION_MS lease to lapse. */
const LAPSE_MS = 2500;

function poll(engine: Engine, group: string, topic: string, consumerId: string, extra: Partial<PollRequest> = {}) {
  return engine.groups.poll({
    group,
    topic,
    consumerId,
    maxRecords: 10,
    waitMs: 0,
    sessionTimeoutMs: SESSION_MS,
    autoOffsetReset: 'earliest',
    ...extra,
  });
}

async function makeTopic(name: string, maxDeliveryAttempts: number): Promise<void> {
  await admin.topics.create({ name, partitions: 1, maxDeliveryAttempts });
  await admin.producer.produce(name, [{ key: 'poison', value: json('crash') }, { value: json('fine-1') }, { value: json('fine-2') }]);
}

describe('poison records by lease expiry', () => {
  it('dead-letters a record whose consumers keep timing out, exactly once, with 4 fresh consumers racing for each lapsed lease', async () => {
    await makeTopic('crashy', 3);
    const attempts: number[] = [];
    let takeovers = 0;
    for (let round = 0; round < 3; round++) {
      // Four new consumers poll at once; one takes the lapsed partition, gets the record and "crashes" (never commits).
      const polls = await Promise.all([0, 1, 2, 3].map((i) => poll(buildEngine(tables.config), 'workers', 'crashy', `r${round}-c${i}`)));
      const served = polls.filter((p) => p.records.length > 0);
      expect(served).toHaveLength(1);
      takeovers += 1;
      attempts.push(served[0]!.records[0]!.deliveryAttempt);
      expect(served[0]!.records[0]!.offset).toBe(0);
      await sleep(LAPSE_MS);
    }
    expect(takeovers).toBe(3);
    expect(attempts).toEqual([1, 2, 3]);
    // The third lapse reaches the limit: the next taker dead-letters offset 0 and gets what follows.
    const polls = await Promise.all([0, 1, 2, 3].map((i) => poll(buildEngine(tables.config), 'workers', 'crashy', `last-${i}`)));
    const served = polls.filter((p) => p.records.length > 0);
    expect(served).toHaveLength(1);
    expect(served[0]!.records.map((r) => [r.offset, r.deliveryAttempt])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    const { deadLetters } = await admin.deadLetters.list('crashy', 'workers', 10, undefined);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ partition: 0, offset: 0, deliveryAttempts: 3, lastError: LEASE_EXPIRED_ERROR });
    expect(deadLetters[0]!.record).toMatchObject({ key: 'poison', value: json('crash') });
    expect((await admin.groups.describe('workers', 'crashy')).partitions[0]!.committedOffset).toBe(1);
  });

  it('counts the lapse of a consumer that comes back under the same id once, however many of its polls race', async () => {
    await makeTopic('relapse', 2);
    const first = await poll(admin, 'solo', 'relapse', 'same');
    expect(first.records.map((r) => [r.offset, r.deliveryAttempt])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
    await sleep(LAPSE_MS);
    const racing = await Promise.all(Array.from({ length: 5 }, () => poll(buildEngine(tables.config), 'solo', 'relapse', 'same')));
    // One failure is counted, not five (a poll that read the state before the count still says 1).
    const seen = racing.map((p) => p.records[0]?.deliveryAttempt);
    expect(seen).toContain(2);
    expect(seen.every((a) => a === 1 || a === 2)).toBe(true);
    const { topicId } = await admin.topics.get('relapse');
    expect((await admin.groupStore.partitions({ group: 'solo', topic: 'relapse', topicId }, [0]))[0]).toMatchObject({ committed: 0, attempts: 1 });
    await sleep(LAPSE_MS);
    // A long session from here on, so that a slow machine cannot make a third lapse.
    const long = { sessionTimeoutMs: 60_000 };
    await Promise.all(Array.from({ length: 5 }, () => poll(buildEngine(tables.config), 'solo', 'relapse', 'same', long)));
    expect((await poll(admin, 'solo', 'relapse', 'same', long)).records.map((r) => [r.offset, r.deliveryAttempt])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    const { deadLetters } = await admin.deadLetters.list('relapse', 'solo', 10, undefined);
    expect(deadLetters.map((d) => [d.offset, d.deliveryAttempts])).toEqual([[0, 2]]);
  });

  it('counts no failure when the consumer leaves (DELETE) with records uncommitted', async () => {
    await makeTopic('polite', 2);
    for (let round = 0; round < 4; round++) {
      const { records } = await poll(admin, 'leavers', 'polite', `l${round}`);
      expect(records[0]).toMatchObject({ offset: 0, deliveryAttempt: 1 });
      await admin.groups.leave('leavers', 'polite', `l${round}`);
    }
    expect((await admin.deadLetters.list('polite', 'leavers', 10, undefined)).deadLetters).toEqual([]);
  });

  it('counts no failure when a rebalance moves a partition with records uncommitted', async () => {
    await admin.topics.create({ name: 'shared', partitions: 2, maxDeliveryAttempts: 2 });
    await admin.producer.produce('shared', [0, 1].map((partition) => ({ partition, value: json(partition) })));
    const first = await poll(admin, 'rb', 'shared', 'a', { sessionTimeoutMs: 30_000 });
    expect(first.records).toHaveLength(2);
    // b joins (holds nothing yet: a is live); a's next poll gives back its surplus; b takes it.
    expect((await poll(admin, 'rb', 'shared', 'b', { sessionTimeoutMs: 30_000 })).records).toEqual([]);
    expect((await poll(admin, 'rb', 'shared', 'a', { sessionTimeoutMs: 30_000 })).assignment).toHaveLength(1);
    const taken = await poll(admin, 'rb', 'shared', 'b', { sessionTimeoutMs: 30_000 });
    expect(taken.records).toHaveLength(1);
    expect(taken.records[0]!.deliveryAttempt).toBe(1);
  });

  it('counts no failure when a forced reset revoked the lease, nor when the consumer committed what it got', async () => {
    await makeTopic('fenced', 2);
    for (let round = 0; round < 3; round++) {
      const { records } = await poll(admin, 'fg', 'fenced', `f${round}`);
      expect(records[0]).toMatchObject({ offset: 0, deliveryAttempt: 1 });
      await admin.groups.resetOffsets({ group: 'fg', topic: 'fenced', to: 'earliest', force: true });
      await sleep(LAPSE_MS);
    }
    const committer = await poll(admin, 'fg', 'fenced', 'committer');
    expect(committer.records[0]).toMatchObject({ offset: 0, deliveryAttempt: 1 });
    await admin.groups.commit('fg', 'fenced', 'committer', [{ partition: 0, offset: 3 }]);
    await sleep(LAPSE_MS);
    await admin.producer.produce('fenced', [{ value: json('later') }]);
    expect((await poll(admin, 'fg', 'fenced', 'next')).records.map((r) => [r.offset, r.deliveryAttempt])).toEqual([[3, 1]]);
    expect((await admin.deadLetters.list('fenced', 'fg', 10, undefined)).deadLetters).toEqual([]);
  });

  it('counts the first uncommitted record when the consumer committed part of what it got', async () => {
    await makeTopic('partial', 5);
    await poll(admin, 'pg', 'partial', 'p1');
    await admin.groups.commit('pg', 'partial', 'p1', [{ partition: 0, offset: 1 }]);
    await sleep(LAPSE_MS);
    const taken = await poll(admin, 'pg', 'partial', 'p2');
    expect(taken.records.map((r) => [r.offset, r.deliveryAttempt])).toEqual([
      [1, 2],
      [2, 1],
    ]);
  });

  it('writes the delivered marks in one write per poll that hands out records, whatever the number of partitions, and none for an empty poll', async () => {
    await admin.topics.create({ name: 'marks', partitions: 4 });
    await admin.producer.produce('marks', Array.from({ length: 8 }, (_, i) => ({ partition: i % 4, value: json(i) })));
    const engine = buildEngine(tables.config);
    const first = await metered(() => poll(engine, 'mg', 'marks', 'm', { sessionTimeoutMs: 30_000 }));
    expect(first.result.records).toHaveLength(8);
    await engine.groups.commit('mg', 'marks', 'm', [0, 1, 2, 3].map((partition) => ({ partition, offset: 2 })));
    await admin.producer.produce('marks', Array.from({ length: 4 }, (_, i) => ({ partition: i, value: json(i) })));
    const fresh = await metered(() => poll(engine, 'mg', 'marks', 'm', { sessionTimeoutMs: 30_000 }));
    expect(fresh.result.records).toHaveLength(4);
    // The heartbeat and one write of the marks of all four partitions.
    expect(fresh.meter.snapshot().dynamodbByOperation.UpdateItem).toBe(2);
    await engine.groups.commit('mg', 'marks', 'm', [0, 1, 2, 3].map((partition) => ({ partition, offset: 3 })));
    const empty = await metered(() => poll(engine, 'mg', 'marks', 'm', { sessionTimeoutMs: 30_000 }));
    expect(empty.result.records).toEqual([]);
    expect(empty.meter.snapshot().dynamodbByOperation.UpdateItem).toBe(1);
  });
});
