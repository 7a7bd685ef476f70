/**
 * Poison records in consumer groups. Each poll that hands out records past
 * a partition's committed offset sets the partition's "delivered up to" mark
 * for its lease epoch (one small conditional write, only when the mark
 * grows: a poll that delivers nothing new writes nothing). When a lease
 * lapses with `delivered > committed` — its holder's session expired before
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
import type { GroupKey, GroupPartition } from '../ports';
import type { DeliveredRecord } from './groups';
import type { Topic } from '../types';
import type { GroupContext } from './context';

/**
 * How the consumer came to hold a partition whose lease had lapsed:
 * `taken` from an expired member (the epoch moved on by one), or `lapsed`
 * and renewed by the same consumer (the epoch is unchanged).
 */
export type LapsedLease = 'taken' | 'lapsed';

/** The error recorded for a failure by lease expiry. */
export const LEASE_EXPIRED_ERROR = 'lease expired: the record was delivered and not committed within sessionTimeoutMs';

/** True when the state shows records delivered and not committed under the lease that lapsed. */
export function failedByExpiry(state: GroupPartition, how: LapsedLease): boolean {
  const lapsedEpoch = how === 'taken' ? state.epoch - 1 : state.epoch;
  return (
    state.committed !== undefined && state.deliveredEpoch > 0 && state.deliveredEpoch === lapsedEpoch && state.delivered > state.committed
  );
}

/**
 * Counts the failed deliveries of the partitions whose lease lapsed, now
 * held by `consumer`; dead-letters at the limit. Each count is conditional on
 * the state read, so a racing commit, nack or reset wins and nothing is
 * counted twice (the mark is dropped with the count).
 */
export async function countLapsedDeliveries(
  context: GroupContext,
  topic: Topic,
  key: GroupKey,
  consumer: string,
  lapsed: ReadonlyMap<number, LapsedLease>,
): Promise<void> {
  if (lapsed.size === 0) return;
  const states = await context.groups.partitions(key, [...lapsed.keys()]);
  await Promise.all(
    states.map(async (state) => {
      const how = lapsed.get(state.partition);
      if (!how || state.holder !== consumer || !failedByExpiry(state, how)) return;
      const committed = state.committed as number;
      const attempts = state.attempts + 1;
      if (attempts < topic.config.maxDeliveryAttempts) {
        await context.groups.recordExpiry(key, state, consumer, attempts, LEASE_EXPIRED_ERROR);
        return;
      }
      const marks = await context.topics.partitionState(topic, state.partition, true);
      const read = await context.log.read(topic, state.partition, committed, 1, MAX_FETCH_RESPONSE_BYTES, marks.archivedOffset);
      const record = read.records[0];
      if (!record || record.offset !== committed) {
        // Retention removed it: there is nothing to dead-letter; the poll goes on from the start offset.
        await context.groups.recordExpiry(key, state, consumer, 0, LEASE_EXPIRED_ERROR);
        return;
      }
      const done = await context.deadLetters.write(key, state, consumer, record, attempts, LEASE_EXPIRED_ERROR, { clearDelivered: true });
      if (done) metrics().count('RecordsDeadLettered', 1);
    }),
  );
}

/**
 * Sets the delivered mark of each partition the records came from, where it
 * grows (a redelivery of what the mark already covers writes nothing).
 */
export async function markDeliveries(
  context: GroupContext,
  key: GroupKey,
  consumer: string,
  states: readonly GroupPartition[],
  records: readonly DeliveredRecord[],
): Promise<void> {
  const next = new Map<number, number>();
  for (const r of records) next.set(r.partition, Math.max(next.get(r.partition) ?? 0, r.offset + 1));
  await Promise.all(
    states.map(async (state) => {
      const delivered = next.get(state.partition);
      if (delivered === undefined) return;
      if (state.deliveredEpoch === state.epoch && state.delivered >= delivered) return;
      await context.groups.markDelivered(key, state.partition, consumer, state.epoch, delivered);
    }),
  );
}
