/**
 * Poison records in consumer groups. Each poll that hands out records sets
 * the consumer's "delivered up to" marks (partition → lease epoch, next offset
 * after the last record delivered): one small write per poll that delivers
 * records, whatever the number of partitions, in an item of its own so the
 * heartbeat's member item does not grow. When a lease lapses with the mark of
 * its epoch above the committed offset — its holder's session expired before
 * it committed what it was given — the record at the committed offset has
 * failed a delivery, as an SQS receive that times out does. The consumer that
 * next takes the partition (or the lapsed holder itself, coming back before
 * anyone took it) counts that failure; at `maxDeliveryAttempts` the record is
 * dead-lettered and the committed offset moves past it in one transaction.
 * A partition released by DELETE or by a rebalance, or revoked by a forced
 * offset reset, carries no failure: only a lapsed lease does.
 */
import { MAX_FETCH_RESPONSE_BYTES } from '../limits';
import { metrics } from '../metrics';
import type { DeliveryMark, GroupKey, GroupPartition } from '../ports';
import type { DeliveredRecord } from './groups';
import type { Topic } from '../types';
import type { GroupContext } from './context';

/**
 * How the consumer came to hold a partition whose lease had lapsed: taken
 * from an expired member (`from`; the epoch moved on by one), or its own,
 * renewed after its session expired (`from` is the consumer; same epoch).
 */
export interface LapsedLease {
  readonly from: string;
  readonly taken: boolean;
}

/** The error recorded for a failure by lease expiry. */
export const LEASE_EXPIRED_ERROR = 'lease expired: the record was delivered and not committed within sessionTimeoutMs';

/** True when the lapsed holder's mark shows records delivered and not committed under the lease that lapsed. */
export function failedByExpiry(state: GroupPartition, how: LapsedLease, mark: DeliveryMark | undefined): boolean {
  const lapsedEpoch = how.taken ? state.epoch - 1 : state.epoch;
  return mark !== undefined && state.committed !== undefined && mark.epoch === lapsedEpoch && mark.delivered > state.committed;
}

/**
 * Counts the failed deliveries of the partitions whose lease lapsed, now
 * held by `consumer`; dead-letters at the limit. Each count is conditional on
 * the partition state read, so a racing commit, nack or reset wins and one
 * lapse is counted once.
 */
export async function countLapsedDeliveries(
  context: GroupContext,
  topic: Topic,
  key: GroupKey,
  consumer: string,
  lapsed: ReadonlyMap<number, LapsedLease>,
): Promise<void> {
  if (lapsed.size === 0) return;
  const holders = [...new Set([...lapsed.values()].map((l) => l.from))];
  const marks = new Map(await Promise.all(holders.map(async (h) => [h, await context.groups.deliveryMarks(key, h)] as const)));
  const states = await context.groups.partitions(key, [...lapsed.keys()]);
  const counted: DeliveryMark[] = [];
  await Promise.all(
    states.map(async (state) => {
      const how = lapsed.get(state.partition);
      if (!how || state.holder !== consumer || !failedByExpiry(state, how, marks.get(how.from)?.get(state.partition))) return;
      if (await countFailure(context, topic, key, consumer, state)) counted.push({ partition: state.partition, epoch: state.epoch, delivered: 0 });
    }),
  );
  // The consumer's own lapse is counted: its mark is spent (a taken lease's mark is stale by its epoch).
  const own = counted.filter((c) => lapsed.get(c.partition)?.taken === false);
  await context.groups.markDelivered(key, consumer, own);
}

/** One failed delivery of the record at the committed offset: counted, or dead-lettered at the limit. */
async function countFailure(context: GroupContext, topic: Topic, key: GroupKey, consumer: string, state: GroupPartition): Promise<boolean> {
  const committed = state.committed as number;
  const attempts = state.attempts + 1;
  if (attempts < topic.config.maxDeliveryAttempts) {
    return context.groups.recordExpiry(key, state, consumer, attempts, LEASE_EXPIRED_ERROR);
  }
  const marks = await context.topics.partitionState(topic, state.partition, true);
  const read = await context.log.read(topic, state.partition, committed, 1, MAX_FETCH_RESPONSE_BYTES, marks.archivedOffset);
  const record = read.records[0];
  // Retention removed it: there is nothing to dead-letter; the poll goes on from the start offset.
  if (!record || record.offset !== committed) return false;
  const done = await context.deadLetters.write(key, state, consumer, record, attempts, LEASE_EXPIRED_ERROR);
  if (done) metrics().count('RecordsDeadLettered', 1);
  return done;
}

/** Sets the consumer's delivered marks of the partitions the records came from: one write. */
export async function markDeliveries(
  context: GroupContext,
  key: GroupKey,
  consumer: string,
  states: readonly GroupPartition[],
  records: readonly DeliveredRecord[],
): Promise<void> {
  if (records.length === 0) return;
  const next = new Map<number, number>();
  for (const r of records) next.set(r.partition, Math.max(next.get(r.partition) ?? 0, r.offset + 1));
  const marks = states.flatMap((state) => {
    const delivered = next.get(state.partition);
    return delivered === undefined ? [] : [{ partition: state.partition, epoch: state.epoch, delivered }];
  });
  await context.groups.markDelivered(key, consumer, marks);
}
