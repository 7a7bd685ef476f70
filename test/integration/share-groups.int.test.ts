/**
 * Share groups on DynamoDB Local (DESIGN.md invariant 8): no record is held
 * by two consumers at once, even with 16 receivers racing on 2 partitions;
 * every record is accepted exactly once; release with delay, lock expiry,
 * renew, reject, dead-lettering at the delivery limit, lock-lost for stale
 * tokens, and the cost of a receive and an ack in conditional writes.
 */
import type { AcquiredRecord, ReceiveRequest } from '../../lambdas/core/share/share-groups';
import { NO_METRICS, setMetricsSink } from '../../lambdas/core/metrics';
import { metered } from '../../lambdas/observability/capacity-meter';
import { RecordingMetrics } from '../support/metrics';
import { createTestTables, type TestTables } from '../support/backends';
import { shareContainer, type ShareContainer } from '../support/share';

let tables: TestTables;
let admin: ShareContainer;

beforeAll(async () => {
  tables = await createTestTables();
  admin = shareContainer(tables.config);
});

const json = (value: unknown) => ({ json: JSON.stringify(value) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function topicWith(name: string, partitions: number, perPartition: number, maxDeliveryAttempts = 5): Promise<void> {
  await admin.runtime.topics.create({ name, partitions, maxDeliveryAttempts });
  for (let p = 0; p < partitions; p++) {
    for (let i = 0; i < perPartition; i += 100) {
      const n = Math.min(100, perPartition - i);
      await admin.runtime.producer.produce(name, Array.from({ length: n }, (_, j) => ({ partition: p, key: `k.${i + j}`, value: json(i + j) })));
    }
  }
}

function receive(c: ShareContainer, group: string, topic: string, extra: Partial<ReceiveRequest> = {}): Promise<AcquiredRecord[]> {
  return c.share.receive({ group, topic, maxRecords: 10, waitMs: 0, lockMs: 30_000, autoOffsetReset: 'earliest', ...extra });
}

const ackOf = (r: AcquiredRecord, type: 'accept' | 'release' | 'reject' | 'renew', extra = {}) => ({
  partition: r.partition,
  offset: r.offset,
  lockToken: r.lockToken,
  type,
  ...extra,
});

describe('ShareGroupService', () => {
  it('never hands one record to two holders at once with 16 concurrent receivers on 2 partitions, and each is accepted once', async () => {
    await topicWith('race', 2, 200);
    const held = new Map<string, string>();
    const violations: string[] = [];
    const accepted = new Map<string, number>();
    let unavailable = 0;
    const deadline = Date.now() + 60_000;
    await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const me = `c${i}`;
        const c = shareContainer(tables.config);
        while (accepted.size < 400 && Date.now() < deadline) {
          // A 503 (every write lost a race) is safe to retry, as the client does.
          const records = await receive(c, 'racers', 'race', { consumerId: me, maxRecords: 10 }).catch((error: unknown) => {
            if ((error as { code?: string }).code !== 'UNAVAILABLE') throw error;
            unavailable += 1;
            return [];
          });
          for (const r of records) {
            const key = `${r.partition}:${r.offset}`;
            if (held.has(key)) violations.push(`${key} to ${me} while ${held.get(key)} holds it`);
            held.set(key, me);
          }
          if (records.length === 0) {
            await sleep(20);
            continue;
          }
          for (const r of records) held.delete(`${r.partition}:${r.offset}`);
          const results = await c.share.ack('racers', 'race', records.map((r) => ackOf(r, 'accept')));
          for (const res of results) {
            expect(res.status).toBe('accepted');
            const key = `${res.partition}:${res.offset}`;
            accepted.set(key, (accepted.get(key) ?? 0) + 1);
          }
        }
      }),
    );
    expect(violations).toEqual([]);
    console.log(`16 receivers on 2 partitions: ${unavailable} receives answered 503 (every write lost a race)`);
    expect(accepted.size).toBe(400);
    expect([...accepted.values()].every((n) => n === 1)).toBe(true);
    const described = await admin.share.describe('racers', 'race');
    expect(described.partitions).toEqual([0, 1].map((partition) => ({ partition, startOffset: 200, endOffset: 200, acquired: 0, available: 0, deadLettered: 0 })));
  }, 90_000);

  it('has 6 consumers that release some records accept every record exactly once across 2 partitions', async () => {
    await topicWith('mixed', 2, 60, 100);
    const accepted = new Map<string, number>();
    let released = 0;
    const deadline = Date.now() + 60_000;
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const c = shareContainer(tables.config);
        while (accepted.size < 120 && Date.now() < deadline) {
          const records = await receive(c, 'mixers', 'mixed', { consumerId: `m${i}`, maxRecords: 7 });
          if (records.length === 0) {
            await sleep(20);
            continue;
          }
          // Release about one in four, deterministically by offset and attempt.
          const acks = records.map((r) => ackOf(r, (r.offset + r.deliveryAttempt) % 4 === 0 ? 'release' : 'accept'));
          const results = await c.share.ack('mixers', 'mixed', acks);
          results.forEach((res, j) => {
            const expected = acks[j]?.type === 'release' ? 'released' : 'accepted';
            expect(res.status).toBe(expected);
            if (res.status === 'released') released += 1;
            if (res.status === 'accepted') accepted.set(`${res.partition}:${res.offset}`, (accepted.get(`${res.partition}:${res.offset}`) ?? 0) + 1);
          });
        }
      }),
    );
    expect(released).toBeGreaterThan(0);
    expect(accepted.size).toBe(120);
    expect([...accepted.values()].every((n) => n === 1)).toBe(true);
  }, 90_000);

  it('offers a released record again only after its delay, as a second delivery', async () => {
    await topicWith('delay', 1, 1);
    const [first] = await receive(admin, 'g', 'delay');
    expect(first?.deliveryAttempt).toBe(1);
    const [result] = await admin.share.ack('g', 'delay', [ackOf(first as AcquiredRecord, 'release', { delayMs: 1500 })]);
    expect(result?.status).toBe('released');
    expect(await receive(admin, 'g', 'delay')).toEqual([]);
    const again = await receive(admin, 'g', 'delay', { waitMs: 5000 });
    expect(again.map((r) => [r.offset, r.deliveryAttempt])).toEqual([[0, 2]]);
    expect(again[0]?.lockToken).not.toBe(first?.lockToken);
  });

  it('answers lock-lost after a lock expired, even when no one took the record since, and redelivers it with a new token', async () => {
    await topicWith('expiry', 1, 1);
    const [first] = (await receive(admin, 'g', 'expiry', { lockMs: 1000 })) as [AcquiredRecord];
    await sleep(1100);
    expect((await admin.share.ack('g', 'expiry', [ackOf(first, 'accept')]))[0]?.status).toBe('lock-lost');
    const [second] = (await receive(admin, 'g', 'expiry')) as [AcquiredRecord];
    expect(second.deliveryAttempt).toBe(2);
    expect((await admin.share.ack('g', 'expiry', [ackOf(first, 'accept')]))[0]?.status).toBe('lock-lost');
    expect((await admin.share.ack('g', 'expiry', [ackOf(second, 'accept')]))[0]?.status).toBe('accepted');
    expect(await receive(admin, 'g', 'expiry')).toEqual([]);
  });

  it('renews a lock so that no one else gets the record after the first lock would have expired', async () => {
    await topicWith('renew', 1, 1);
    const [first] = (await receive(admin, 'g', 'renew', { lockMs: 1000 })) as [AcquiredRecord];
    const [renewed] = await admin.share.ack('g', 'renew', [ackOf(first, 'renew', { lockMs: 10_000 })]);
    expect(renewed?.status).toBe('renewed');
    await sleep(1200);
    expect(await receive(admin, 'g', 'renew')).toEqual([]);
    expect((await admin.share.ack('g', 'renew', [ackOf(first, 'accept')]))[0]?.status).toBe('accepted');
  });

  it('dead-letters a rejected record at once, with its error, under the share group name', async () => {
    await topicWith('reject', 1, 2);
    const records = await receive(admin, 'g', 'reject');
    const results = await admin.share.ack('g', 'reject', [ackOf(records[0] as AcquiredRecord, 'reject', { error: 'malformed' }), ackOf(records[1] as AcquiredRecord, 'accept')]);
    expect(results.map((r) => r.status)).toEqual(['dead-lettered', 'accepted']);
    const { deadLetters } = await admin.runtime.deadLetters.list('reject', 'g', 10, undefined);
    expect(deadLetters.map((l) => [l.offset, l.lastError, l.deliveryAttempts, l.record.value])).toEqual([[0, 'malformed', 1, json(0)]]);
    expect((await admin.share.describe('g', 'reject')).partitions[0]).toMatchObject({ startOffset: 2, deadLettered: 1, available: 0 });
  });

  it('dead-letters a record whose lock expired maxDeliveryAttempts times instead of offering it again, and a release at the limit', async () => {
    await topicWith('limit', 1, 2, 2);
    for (let attempt = 1; attempt <= 2; attempt++) {
      const records = await receive(admin, 'g', 'limit', { lockMs: 1000, maxRecords: 1 });
      expect(records.map((r) => [r.offset, r.deliveryAttempt])).toEqual([[0, attempt]]);
      await sleep(1100);
    }
    const next = await receive(admin, 'g', 'limit', { maxRecords: 1 });
    expect(next.map((r) => [r.offset, r.deliveryAttempt])).toEqual([[1, 1]]);
    const [released] = await admin.share.ack('g', 'limit', [ackOf(next[0] as AcquiredRecord, 'release')]);
    expect(released?.status).toBe('released');
    const last = (await receive(admin, 'g', 'limit')) as [AcquiredRecord];
    expect(last.map((r) => r.deliveryAttempt)).toEqual([2]);
    expect((await admin.share.ack('g', 'limit', [ackOf(last[0], 'release')]))[0]?.status).toBe('dead-lettered');
    const { deadLetters } = await admin.runtime.deadLetters.list('limit', 'g', 10, undefined);
    expect(deadLetters.map((l) => [l.offset, l.deliveryAttempts])).toEqual([[0, 2], [1, 2]]);
    expect(await receive(admin, 'g', 'limit')).toEqual([]);
    expect((await admin.share.describe('g', 'limit')).partitions[0]).toMatchObject({ startOffset: 2, deadLettered: 2 });
  });

  it('passes over records the filter does not match: they are done for the group, never delivered', async () => {
    await admin.runtime.topics.create({ name: 'filtered', partitions: 1 });
    await admin.runtime.producer.produce('filtered', ['order.1.eu', 'payment.x', 'order.2.us', 'order.3.eu'].map((key) => ({ key, value: json(key) })));
    const records = await receive(admin, 'eu', 'filtered', { filter: { keys: ['order.*.eu'] } });
    expect(records.map((r) => r.key)).toEqual(['order.1.eu', 'order.3.eu']);
    await admin.share.ack('eu', 'filtered', records.map((r) => ackOf(r, 'accept')));
    expect((await admin.share.describe('eu', 'filtered')).partitions[0]).toMatchObject({ startOffset: 4, available: 0, acquired: 0 });
  });

  it('describes acquired and available records, lists the group as a reader, and starts afresh after delete', async () => {
    await topicWith('described', 2, 10);
    await expect(admin.share.describe('d', 'described')).rejects.toMatchObject({ code: 'GROUP_NOT_FOUND' });
    await receive(admin, 'd', 'described', { maxRecords: 4, consumerId: 'who' });
    const { partitions } = await admin.share.describe('d', 'described');
    expect(partitions.reduce((n, p) => n + p.acquired, 0)).toBe(4);
    expect(partitions.reduce((n, p) => n + (p.available ?? 0), 0)).toBeGreaterThanOrEqual(6);
    const topic = await admin.runtime.topics.get('described');
    expect(await admin.share.listReaders(topic)).toEqual([{ group: 'd', type: 'share', lag: partitions.reduce((n, p) => n + (p.available ?? 0), 0), members: 1 }]);
    await admin.share.delete('d', 'described');
    await expect(admin.share.describe('d', 'described')).rejects.toMatchObject({ code: 'GROUP_NOT_FOUND' });
    // autoOffsetReset latest (the API's default) after delete: nothing old is offered.
    expect(await receive(admin, 'd', 'described', { autoOffsetReset: 'latest' })).toEqual([]);
  });

  it('resets forward (earlier records done) and backward (everything offered again, old tokens lock-lost), clamped to the log', async () => {
    await topicWith('reset', 1, 10);
    const first = await receive(admin, 'g', 'reset', { maxRecords: 5 });
    expect((await admin.share.reset('g', 'reset', { offset: 3 })).offsets).toEqual([{ partition: 0, committedOffset: 3 }]);
    // Forward: the locks at 3 and 4 stay, 0–2 are done.
    expect((await receive(admin, 'g', 'reset', { maxRecords: 10 })).map((r) => r.offset)).toEqual([5, 6, 7, 8, 9]);
    expect((await admin.share.ack('g', 'reset', [ackOf(first[0] as AcquiredRecord, 'accept'), ackOf(first[3] as AcquiredRecord, 'accept')])).map((r) => r.status)).toEqual(['lock-lost', 'accepted']);
    expect((await admin.share.reset('g', 'reset', 'earliest')).offsets[0]?.committedOffset).toBe(0);
    expect((await admin.share.ack('g', 'reset', [ackOf(first[4] as AcquiredRecord, 'accept')]))[0]?.status).toBe('lock-lost');
    const again = await receive(admin, 'g', 'reset', { maxRecords: 100 });
    expect(again.map((r) => [r.offset, r.deliveryAttempt])).toEqual(Array.from({ length: 10 }, (_, i) => [i, 1]));
    expect((await admin.share.reset('g', 'reset', { shiftBy: 1000 })).offsets[0]?.committedOffset).toBe(10);
    expect((await admin.share.reset('g', 'reset', { shiftBy: -4 })).offsets[0]?.committedOffset).toBe(6);
    expect((await admin.share.reset('g', 'reset', { offset: 99 })).offsets[0]?.committedOffset).toBe(10);
    expect((await admin.share.reset('g', 'reset', { timestamp: 0 })).offsets[0]?.committedOffset).toBe(0);
    expect((await admin.share.reset('g', 'reset', 'latest')).offsets[0]?.committedOffset).toBe(10);
  });

  it.each(['before', 'after'] as const)(
    'loses and duplicates nothing when an ack that dead-letters crashes %s its write, and is retried',
    async (point) => {
      const name = `crash-ack-${point}`;
      await topicWith(name, 1, 1);
      const [record] = (await receive(admin, 'g', name)) as [AcquiredRecord];
      admin.failNextWrite(point, true);
      await expect(admin.share.ack('g', name, [ackOf(record, 'reject', { error: 'boom' })])).rejects.toThrow('injected');
      const [retry] = await admin.share.ack('g', name, [ackOf(record, 'reject', { error: 'boom' })]);
      expect(retry?.status).toBe(point === 'before' ? 'dead-lettered' : 'lock-lost');
      const { deadLetters } = await admin.runtime.deadLetters.list(name, 'g', 10, undefined);
      expect(deadLetters.map((l) => l.offset)).toEqual([0]);
      expect((await admin.share.describe('g', name)).partitions[0]).toMatchObject({ startOffset: 1, deadLettered: 1 });
      expect(await receive(admin, 'g', name)).toEqual([]);
    },
  );

  it('loses and duplicates nothing when a receive that dead-letters an expired lock crashes before or after its write', async () => {
    await topicWith('crash-expiry', 1, 1, 1);
    await receive(admin, 'g', 'crash-expiry', { lockMs: 1000 });
    await sleep(1100);
    admin.failNextWrite('before', true);
    await expect(receive(admin, 'g', 'crash-expiry')).rejects.toThrow('injected');
    expect((await admin.runtime.deadLetters.list('crash-expiry', 'g', 10, undefined)).deadLetters).toEqual([]);
    admin.failNextWrite('after', true);
    await expect(receive(admin, 'g', 'crash-expiry')).rejects.toThrow('injected');
    expect(await receive(admin, 'g', 'crash-expiry')).toEqual([]);
    const { deadLetters } = await admin.runtime.deadLetters.list('crash-expiry', 'g', 10, undefined);
    expect(deadLetters.map((l) => [l.offset, l.deliveryAttempts])).toEqual([[0, 1]]);
  });

  it('costs one conditional write to receive 100 records and one to accept them, whatever the consumer count', async () => {
    await topicWith('cost', 1, 100);
    const c = shareContainer(tables.config);
    const received = await metered(() => receive(c, 'g', 'cost', { maxRecords: 100 }));
    expect(received.result).toHaveLength(100);
    const acked = await metered(() => c.share.ack('g', 'cost', received.result.map((r) => ackOf(r, 'accept'))));
    const r = received.meter.snapshot();
    const a = acked.meter.snapshot();
    console.log('share receive 100:', JSON.stringify(r), '\nshare accept 100:', JSON.stringify(a));
    expect(r.dynamodbByOperation.PutItem).toBe(1);
    expect(a.dynamodbByOperation.PutItem).toBe(1);
    expect(a.dynamodbRequests).toBe(2);
    expect(r.writeCapacityUnits + a.writeCapacityUnits).toBeLessThanOrEqual(2);
  });

  it('reports records received and dead-lettered, available records as the consumer lag, and acquired records per group', async () => {
    await topicWith('metered', 2, 5);
    const recorder = new RecordingMetrics();
    setMetricsSink(recorder);
    try {
      const c = shareContainer(tables.config);
      const records = await receive(c, 'm', 'metered', { maxRecords: 3 });
      await c.share.ack('m', 'metered', [ackOf(records[0] as AcquiredRecord, 'reject')]);
      expect(recorder.counts.get('RecordsPolled')).toBe(3);
      expect(recorder.counts.get('RecordsDeadLettered')).toBe(1);
      expect(recorder.lags).toEqual([['m', 'metered', 7]]);
      expect(recorder.acquired).toEqual([['m', 'metered', 3]]);
      // Sampled at most once a minute per group in a container.
      await receive(c, 'm', 'metered', { maxRecords: 1 });
      expect(recorder.acquired).toHaveLength(1);
    } finally {
      setMetricsSink(NO_METRICS);
    }
  });

  it('answers a write that lost the race with the state that won, so the loser needs no read', async () => {
    await topicWith('stale', 1, 3);
    await receive(admin, 'g', 'stale', { maxRecords: 2, consumerId: 'who' });
    const topic = await admin.runtime.topics.get('stale');
    const key = { group: 'g', topic: 'stale', topicId: topic.topicId };
    const stored = await admin.store.get(key, 0);
    expect(stored).toMatchObject({ startOffset: 0, nextOffset: 2, version: 1 });
    const lost = await admin.store.write(key, 0, { ...(stored as NonNullable<typeof stored>), version: 1 }, []);
    expect(lost).toEqual({ written: false, current: stored });
    expect(await admin.store.write(key, 1, { ...(stored as NonNullable<typeof stored>), version: 2 }, [])).toEqual({ written: true });
  });
});
