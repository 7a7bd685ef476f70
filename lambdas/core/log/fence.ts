/**
 * The delete fence (DESIGN.md invariant 7: no append lands in a deleted
 * topic). A topic delete removes the topic's config first, but producers in
 * other containers may still hold the topic (and each partition's head) in
 * their caches for a few seconds. So the delete then writes a fence item at
 * each partition's head with the same conditional write appends use
 * (`attribute_not_exists(offset)`): the fence either takes the head, or it
 * meets a batch and hops past it, exactly as an append does. From then on
 * every append to that incarnation meets the fence, at the head or at the end
 * of its hops, and answers TOPIC_NOT_FOUND; one that got in before the fence
 * was written lies below it and is purged with the rest (it was answered
 * before the delete took effect).
 *
 * The purge that follows replaces batches younger than
 * LOG_ITEM_MIN_DELETE_AGE_MS with fences instead of deleting them: a writer's
 * cached head may point at any of them, and a hole there would let its write
 * succeed in the deleted log.
 */
import { LOG_ITEM_MIN_DELETE_AGE_MS } from '../limits';
import type { LogStore } from '../ports';

/** Hops before the fence re-reads the head instead of following occupants. */
const HOPS_BEFORE_HEAD_READ = 8;

/** Writes the fence at the head of `stream`; returns its offset. Idempotent: an existing fence is found and kept. */
export async function fencePartition(log: LogStore, stream: string, now: () => number = Date.now): Promise<number> {
  for (;;) {
    const newest = await log.newest(stream, { consistent: true });
    if (newest?.fenced) return newest.offset;
    let head = newest ? newest.offset + newest.count : 0;
    for (let hop = 0; hop < HOPS_BEFORE_HEAD_READ; hop++) {
      const result = await log.putFence(stream, head, now());
      if (result.written) return head;
      if ('fenced' in result) return head;
      head = result.occupant.offset + result.occupant.count;
    }
  }
}

/** Fences the partition, then purges its log; returns the S3 keys of the purged batches. */
export async function fenceAndPurge(log: LogStore, stream: string, now: () => number = Date.now): Promise<string[]> {
  await fencePartition(log, stream, now);
  return log.purge(stream, now() - LOG_ITEM_MIN_DELETE_AGE_MS);
}
