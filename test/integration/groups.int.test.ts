/**
 * Consumer groups on DynamoDB Local: the queue model (each record to one
 * consumer of a group), pub/sub across groups, session expiry and fencing
 * (invariant 4), and nack to the dead-letter table (invariant 5).
 */
import { NotLeaseHolderError } from '../../lambdas/core/errors';
import { DeadLetterWriter } from '../../lambdas/core/dead-letters';
import { GroupService, type DeliveredRecord, type PollRequest } from '../../lambdas/core/groups/groups';
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

async function produceKeyed(topic: string, count: number, from = 0): Promise<void> {
  for (let i = from; i < from + count; i += 50) {
    const n = Math.min(50, from + count - i);
    await admin.producer.produce(topic, Array.from({ length: n }, (_, j) => ({ key: `k-${(i + j) % 13}`, value: json(i + j) })));
  }
}

function poll(engine: Engine, group: string, topic: string, consumerId: string, extra: Partial<PollRequest> = {}) {
  return engine.groups.poll({ group, topic, consumerId, maxRecords: 50, waitMs: 0, sessionTimeoutMs: 10_000, autoOffsetReset: 'earliest', ...extra });
}

/** The next offsets to commit for what was delivered: per partition, the last offset + 1. */
function nextOffsets(records: readonly DeliveredRecord[]): Array<{ partition: number; offset: number }> {
  const next = new Map<number, number>();
  for (const r of records) next.set(r.partition, Math.max(next.get(r.partition) ?? 0, r.offset + 1));
  return [...next].map(([partition, offset]) => ({ partition, offset }));
}

describe('GroupService', () => {
  it('has 3 consumers of one group process every record of a 4-partition topic exactly once, one consumer per partition', async () => {
    await admin.topics.create({ name: 'queue', partitions: 4 });
    await produceKeyed('queue', 200);
    const seen = new Map<string, string>(); // "partition:offset" -> consumer
    const duplicates: string[] = [];
    const owners = new Map<number, Set<string>>(); // partition -> consumers that got records from it
    let producedMore = false;
    const consumers = ['c1', 'c2', 'c3'].map((id) => ({ id, engine: buildEngine(tables.config) }));
    const deadline = Date.now() + 30_000;
    await Promise.all(
      consumers.map(async ({ id, engine }, index) => {
        await sleep(index * 100);
        while (seen.size < 300 && Date.now() < deadline) {
          const { records } = await poll(engine, 'workers', 'queue', id, { waitMs: 200 });
          for (const r of records) {
            const key = `${r.partition}:${r.offset}`;
            if (seen.has(key)) duplicates.push(`${key} to ${id} after ${seen.get(key)}`);
            seen.set(key, id);
            owners.set(r.partition, (owners.get(r.partition) ?? new Set()).add(id));
          }
          if (records.length > 0) await engine.groups.commit('workers', 'queue', id, nextOffsets(records));
          if (!producedMore && seen.size >= 100) {
            producedMore = true;
            await produceKeyed('queue', 100, 200);
          }
        }
      }),
    );
    expect(duplicates).toEqual([]);
    expect(seen.size).toBe(300);
    // Every consumer got work, and the final assignment is disjoint and complete.
    expect(new Set(seen.values()).size).toBe(3);
    const described = await admin.groups.describe('workers', 'queue');
    const holders = described.partitions.map((p) => p.consumerId);
    expect(holders.every((h) => h !== null)).toBe(true);
    expect(described.partitions.every((p) => p.lag === 0)).toBe(true);
    const perConsumer = ['c1', 'c2', 'c3'].map((c) => holders.filter((h) => h === c).length).sort();
    expect(perConsumer).toEqual([1, 1, 2]);
  });

  it('delivers every record to a second group as well (pub/sub)', async () => {
    const { records } = await poll(admin, 'auditors', 'queue', 'a1', { maxRecords: 1000 });
    expect(records).toHaveLength(300);
    expect(records.every((r) => r.deliveryAttempt === 1)).toBe(true);
  });

  it('redelivers uncommitted records to the next poll (polls start at the committed offset)', async () => {
    await admin.topics.create({ name: 'again', partitions: 1 });
    await produceKeyed('again', 5);
    const first = await poll(admin, 'g', 'again', 'solo');
    const second = await poll(admin, 'g', 'again', 'solo');
    expect(second.records.map((r) => r.offset)).toEqual(first.records.map((r) => r.offset));
    await admin.groups.commit('g', 'again', 'solo', [{ partition: 0, offset: 3 }]);
    expect((await poll(admin, 'g', 'again', 'solo')).records.map((r) => r.offset)).toEqual([3, 4]);
  });

  it('gives a silent consumer’s partitions to another after sessionTimeoutMs, with the uncommitted records, and fences its commit', async () => {
    await admin.topics.create({ name: 'failover', partitions: 2 });
    await produceKeyed('failover', 20);
    const a = buildEngine(tables.config);
    const b = buildEngine(tables.config);
    const first = await poll(a, 'fo', 'failover', 'A', { sessionTimeoutMs: 1000, maxRecords: 100 });
    expect(first.assignment.map((x) => x.partition)).toEqual([0, 1]);
    // B arrives while A is live: A holds both partitions, B gets none (never a live lease).
    expect((await poll(b, 'fo', 'failover', 'B', { sessionTimeoutMs: 1000 })).records).toEqual([]);
    await sleep(1300);
    // A has been silent; B's poll takes over and receives what A never committed.
    const taken = await poll(b, 'fo', 'failover', 'B', { sessionTimeoutMs: 10_000, maxRecords: 100 });
    expect(taken.assignment.map((x) => x.partition)).toEqual([0, 1]);
    expect(taken.records.map((r) => `${r.partition}:${r.offset}`).sort()).toEqual(first.records.map((r) => `${r.partition}:${r.offset}`).sort());
    await expect(a.groups.commit('fo', 'failover', 'A', nextOffsets(first.records))).rejects.toBeInstanceOf(NotLeaseHolderError);
    await b.groups.commit('fo', 'failover', 'B', nextOffsets(taken.records));
    expect((await admin.groups.describe('fo', 'failover')).partitions.map((p) => p.lag)).toEqual([0, 0]);
  });

  it('never moves a committed offset backwards, with 10 commits racing (invariant 4)', async () => {
    await admin.topics.create({ name: 'monotonic', partitions: 1 });
    await produceKeyed('monotonic', 100);
    await poll(admin, 'm', 'monotonic', 'holder');
    const offsets = Array.from({ length: 10 }, (_, i) => ((i * 37) % 100) + 1);
    await Promise.all(offsets.map((offset) => buildEngine(tables.config).groups.commit('m', 'monotonic', 'holder', [{ partition: 0, offset }])));
    const after = (await admin.groups.describe('m', 'monotonic')).partitions[0]!;
    expect(after.committedOffset).toBe(Math.max(...offsets));
    await admin.groups.commit('m', 'monotonic', 'holder', [{ partition: 0, offset: 1 }]);
    expect((await admin.groups.describe('m', 'monotonic')).partitions[0]!.committedOffset).toBe(Math.max(...offsets));
    await expect(admin.groups.commit('m', 'monotonic', 'stranger', [{ partition: 0, offset: 100 }])).rejects.toBeInstanceOf(NotLeaseHolderError);
  });

  it('drops members that went silent long ago and hold nothing, so the member view stays small', async () => {
    await admin.topics.create({ name: 'churn', partitions: 1 });
    const topic = await admin.topics.get('churn');
    const key = { group: 'ch', topic: 'churn', topicId: topic.topicId };
    for (const id of ['gone-1', 'gone-2']) await admin.groupStore.heartbeat(key, id, 1_000);
    await admin.groupStore.heartbeat(key, 'recent', Date.now() - 1000);
    await poll(admin, 'ch', 'churn', 'live');
    const { view } = await admin.groupStore.describe(key);
    expect([...view!.members.keys()].sort()).toEqual(['live', 'recent']);
  });

  it('costs a steady-state poll one heartbeat write and one read of its own partitions, not of the whole topic', async () => {
    await admin.topics.create({ name: 'wide', partitions: 64 });
    await admin.producer.produce('wide', Array.from({ length: 64 }, (_, p) => ({ partition: p, value: json(p) })));
    const consumers = Array.from({ length: 8 }, (_, i) => ({ id: `w${i}`, engine: buildEngine(tables.config) }));
    // Let the group settle: every consumer polls (and commits) until each holds 8 partitions.
    for (let round = 0; round < 6; round++) {
      for (const c of consumers) {
        const { records } = await poll(c.engine, 'wide-group', 'wide', c.id, { maxRecords: 100 });
        if (records.length > 0) await c.engine.groups.commit('wide-group', 'wide', c.id, nextOffsets(records));
      }
    }
    const { result, meter } = await metered(() => poll(consumers[0]!.engine, 'wide-group', 'wide', 'w0'));
    expect(result.assignment).toHaveLength(8);
    expect(result.records).toEqual([]);
    const usage = meter.snapshot();
    console.log('steady-state poll of 8 of 64 partitions:', JSON.stringify(usage));
    expect(usage.dynamodbByOperation.UpdateItem).toBe(1);
    expect(usage.dynamodbByOperation.BatchGetItem).toBe(1);
    expect(usage.dynamodbByOperation.TransactWriteItems).toBeUndefined();
    // At most one small query per held partition to look for records, never one per topic partition.
    expect(usage.dynamodbByOperation.Query ?? 0).toBeLessThanOrEqual(8 * 2);
    expect(usage.dynamodbRequests).toBeLessThan(64);
  });

  it('ends a long poll’s wait when its signal is aborted, and otherwise waits it out (fake clock, counted pauses)', async () => {
    await admin.topics.create({ name: 'abortable', partitions: 2 });
    // The clock moves only when the poll pauses, so the pauses can be counted without timing anything.
    const waitOn = async (abortAfterPauses: number | undefined) => {
      let clock = Date.now();
      let pauses = 0;
      const controller = new AbortController();
      const service = new GroupService(
        admin.topics,
        admin.log,
        admin.groupStore,
        new DeadLetterWriter(admin.groupStore, admin.blobs, tables.config.inlineBatchMaxBytes),
        () => clock,
        async (ms) => {
          clock += ms;
          pauses += 1;
          if (pauses === abortAfterPauses) controller.abort();
        },
      );
      const started = clock;
      const result = await service.poll({
        group: `abort-${abortAfterPauses ?? 'never'}`,
        topic: 'abortable',
        consumerId: 'c1',
        maxRecords: 10,
        waitMs: 20_000,
        sessionTimeoutMs: 60_000,
        autoOffsetReset: 'earliest',
        signal: controller.signal,
      });
      return { records: result.records.length, pauses, waited: clock - started };
    };
    const aborted = await waitOn(3);
    expect(aborted).toEqual({ records: 0, pauses: 3, waited: 50 + 100 + 200 });
    const full = await waitOn(undefined);
    expect(full.records).toBe(0);
    expect(full.waited).toBe(20_000);
    expect(full.pauses).toBeGreaterThan(10);
  });

  it('frees a consumer’s partitions at once when it leaves', async () => {
    await admin.topics.create({ name: 'leaving', partitions: 2 });
    expect((await poll(admin, 'l', 'leaving', 'first')).assignment).toHaveLength(2);
    await admin.groups.leave('l', 'leaving', 'first');
    expect((await poll(admin, 'l', 'leaving', 'second')).assignment.map((a) => a.partition)).toEqual([0, 1]);
  });
});

describe('nack and dead letters', () => {
  it('dead-letters a record after maxDeliveryAttempts nacks, exactly once, and moves the consumer on', async () => {
    await admin.topics.create({ name: 'poison', partitions: 1, maxDeliveryAttempts: 3 });
    await admin.producer.produce('poison', [{ key: 'bad', value: json('boom'), headers: { h: '1' } }, { value: json('fine') }]);
    const attempts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { records } = await poll(admin, 'p', 'poison', 'worker', { waitMs: 3000, maxRecords: 1 });
      attempts.push(records[0]!.deliveryAttempt);
      const outcome = await admin.groups.nack({ group: 'p', topic: 'poison', consumerId: 'worker', partition: 0, offset: 0, error: `failure ${i}` });
      expect(outcome).toEqual({ action: i < 2 ? 'retry' : 'dead-lettered', deliveryAttempt: i + 1 });
    }
    expect(attempts).toEqual([1, 2, 3]);
    const next = await poll(admin, 'p', 'poison', 'worker');
    expect(next.records.map((r) => r.offset)).toEqual([1]);
    const { deadLetters } = await admin.deadLetters.list('poison', 'p', 10, undefined);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ group: 'p', partition: 0, offset: 0, deliveryAttempts: 3, lastError: 'failure 2' });
    expect(deadLetters[0]!.record).toMatchObject({ key: 'bad', value: json('boom'), headers: { h: '1' } });
  });

  it('writes one dead letter when 10 nacks of the last attempt race (invariant 5)', async () => {
    await admin.topics.create({ name: 'racing-nacks', partitions: 1, maxDeliveryAttempts: 1 });
    await admin.producer.produce('racing-nacks', [{ value: json('x') }, { value: json('y') }]);
    await poll(admin, 'r', 'racing-nacks', 'w');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        buildEngine(tables.config).groups.nack({ group: 'r', topic: 'racing-nacks', consumerId: 'w', partition: 0, offset: 0 }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value.action === 'dead-lettered')).toHaveLength(1);
    expect((await admin.deadLetters.list('racing-nacks', 'r', 10, undefined)).deadLetters).toHaveLength(1);
    expect((await admin.groups.describe('r', 'racing-nacks')).partitions[0]!.committedOffset).toBe(1);
  });
});
