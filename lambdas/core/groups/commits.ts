/**
 * Commits and nacks of consumer groups. Both are conditional on the consumer
 * still holding the partition (fencing), and both refuse offsets above the
 * partition's end offset (416, nothing changed): a commit past the end would
 * make the group skip records not yet produced.
 */
import { InvalidRequestError, NotLeaseHolderError, OffsetOutOfRangeError, PartitionNotFoundError } from '../errors';
import { MAX_FETCH_RESPONSE_BYTES } from '../limits';
import { metrics } from '../metrics';
import type { GroupKey } from '../ports';
import type { Topic } from '../types';
import { groupKey, RETRY_ATTEMPTS, type GroupContext } from './context';

export interface NackRequest {
  group: string;
  topic: string;
  consumerId: string;
  partition: number;
  offset: number;
  error?: string | undefined;
}

/** Pause before a nacked record is delivered again: 100 ms doubling per failure, at most 5 s. */
export function retryBackoffMs(attempts: number): number {
  return Math.min(5000, 100 * 2 ** Math.max(0, attempts - 1));
}

/**
 * Throws OffsetOutOfRangeError when any offset is above its partition's end
 * offset. An offset up to what the consumer's polls delivered (its delivered
 * marks, one small read for every partition) is in range, since records up to
 * there exist and the end only grows; only an offset above that reads the end.
 */
export async function checkNotPastEnd(
  context: GroupContext,
  topic: Topic,
  key: GroupKey,
  consumer: string,
  offsets: ReadonlyArray<{ partition: number; offset: number }>,
): Promise<void> {
  const marks = await context.groups.deliveryMarks(key, consumer, { consistent: false });
  await Promise.all(
    offsets.map(async ({ partition, offset }) => {
      if (offset <= (marks.get(partition)?.delivered ?? 0)) return;
      if (offset <= (await context.log.endOffset(topic, partition))) return;
      const end = await context.log.endOffset(topic, partition, { consistent: true });
      if (offset <= end) return;
      const { startOffset } = await context.topics.partitionState(topic, partition, true);
      throw new OffsetOutOfRangeError(offset, startOffset, end);
    }),
  );
}

/**
 * Commits offsets (each the next offset to read). Returns, per partition,
 * the offset now committed: a lower offset than the stored one leaves it.
 * Refused as a whole (nothing written) when any offset is out of range.
 */
export async function commitOffsets(
  context: GroupContext,
  group: string,
  topicName: string,
  consumer: string,
  offsets: ReadonlyArray<{ partition: number; offset: number }>,
): Promise<Array<{ partition: number; committedOffset: number }>> {
  const { topic, key } = await groupKey(context, group, topicName);
  for (const { partition } of offsets) {
    if (partition >= topic.partitions) throw new PartitionNotFoundError(topic.name, partition, topic.partitions);
  }
  await checkNotPastEnd(context, topic, key, consumer, offsets);
  const outcomes = await Promise.all(offsets.map((o) => context.groups.commit(key, o.partition, consumer, o.offset)));
  const fenced = offsets.filter((_, i) => outcomes[i]?.outcome === 'not-holder').map((o) => o.partition);
  if (fenced.length > 0) throw new NotLeaseHolderError(group, consumer, fenced);
  return offsets.map((o, i) => {
    const outcome = outcomes[i];
    return { partition: o.partition, committedOffset: outcome && 'committedOffset' in outcome ? outcome.committedOffset : o.offset };
  });
}

/** A failed delivery reported by the consumer: retried with backoff, or dead-lettered at the limit. */
export async function nackRecord(
  context: GroupContext,
  request: NackRequest,
): Promise<{ action: 'retry' | 'dead-lettered'; deliveryAttempt: number }> {
  const { topic, key } = await groupKey(context, request.group, request.topic);
  if (request.partition >= topic.partitions) {
    throw new PartitionNotFoundError(topic.name, request.partition, topic.partitions);
  }
  const marks = await context.topics.partitionState(topic, request.partition, true);
  const read = await context.log.read(topic, request.partition, request.offset, 1, MAX_FETCH_RESPONSE_BYTES, marks.archivedOffset);
  const record = read.records[0];
  if (!record || record.offset !== request.offset) {
    const end = await context.log.endOffset(topic, request.partition, { consistent: true });
    throw new OffsetOutOfRangeError(request.offset, marks.startOffset, end);
  }
  for (let attempt = 0; attempt < RETRY_ATTEMPTS; attempt++) {
    const [state] = await context.groups.partitions(key, [request.partition]);
    if (!state || state.holder !== request.consumerId) {
      throw new NotLeaseHolderError(request.group, request.consumerId, [request.partition]);
    }
    const committed = state.committed ?? 0;
    if (request.offset < committed) {
      throw new InvalidRequestError(`${request.offset} is below the committed offset ${committed}`, 'offset');
    }
    if (request.offset > committed && state.attempts > 0) {
      // An earlier record of this partition failed and awaits redelivery: nothing may be
      // committed past it. This record comes again too (it is after the committed offset).
      return { action: 'retry', deliveryAttempt: 1 };
    }
    // A nack of a later offset commits the records before it (they were processed).
    const attempts = (request.offset === committed ? state.attempts : 0) + 1;
    if (attempts >= topic.config.maxDeliveryAttempts) {
      const done = await context.deadLetters.write(key, state, request.consumerId, record, attempts, request.error);
      if (done) {
        metrics().count('RecordsDeadLettered', 1);
        return { action: 'dead-lettered', deliveryAttempt: attempts };
      }
    } else {
      const done = await context.groups.recordFailure(key, state, request.consumerId, {
        offset: request.offset,
        attempts,
        lastError: request.error,
        retryAt: context.now() + retryBackoffMs(attempts),
      });
      if (done) return { action: 'retry', deliveryAttempt: attempts };
    }
  }
  throw new NotLeaseHolderError(request.group, request.consumerId, [request.partition]);
}
