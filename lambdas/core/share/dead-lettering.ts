/**
 * What a share group needs from the log to act on a state change: the
 * records at given offsets (to hand out again, or to dead-letter), and the
 * stored form of dead letters. The dead letters themselves are written by the
 * store in the same transaction as the state change that removes the records
 * from the window (invariant 5 and 8), so a crash leaves either both or neither.
 */
import { randomUUID } from 'node:crypto';
import { deadLetterId } from '../dead-letters';
import { MAX_FETCH_RESPONSE_BYTES } from '../limits';
import { encodeBatch } from '../log/record-batch';
import type { PartitionLog } from '../log/log';
import type { BlobStore, StoredDeadLetter } from '../ports';
import type { PositionedRecord, Topic } from '../types';
import type { ShareKey } from './ports';
import type { PendingDeadLetter } from './transitions';

/** Reads the records at `offsets` (any order), one log read per run of consecutive offsets. */
export async function readOffsets(
  log: PartitionLog,
  topic: Topic,
  partition: number,
  offsets: readonly number[],
  archivedOffset: number,
): Promise<Map<number, PositionedRecord>> {
  const sorted = [...new Set(offsets)].sort((a, b) => a - b);
  const runs: Array<[number, number]> = [];
  for (const offset of sorted) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === offset) last[1] += 1;
    else runs.push([offset, 1]);
  }
  const found = new Map<number, PositionedRecord>();
  for (const [from, count] of runs) {
    let position = from;
    // A read stops at its byte budget: continue until the run is read or the log has no more.
    while (position < from + count) {
      const read = await log.read(topic, partition, position, from + count - position, MAX_FETCH_RESPONSE_BYTES, archivedOffset);
      if (read.records.length === 0) break;
      for (const record of read.records) found.set(record.offset, record);
      position = read.nextOffset;
    }
  }
  return found;
}

export interface PreparedLetters {
  readonly letters: StoredDeadLetter[];
  /** S3 objects written for large records: delete them if the write that refers to them fails. */
  readonly spilled: string[];
}

/** The stored dead letters for `pending` (records whose payload is found in `records`). */
export async function prepareLetters(
  key: ShareKey,
  pending: readonly PendingDeadLetter[],
  records: ReadonlyMap<number, PositionedRecord>,
  blobs: BlobStore,
  inlineMaxBytes: number,
  now: number,
): Promise<PreparedLetters> {
  const letters: StoredDeadLetter[] = [];
  const spilled: string[] = [];
  for (const item of pending) {
    const record = records.get(item.offset);
    if (!record) continue;
    const blob = encodeBatch([record]);
    let blobKey: string | undefined;
    if (blob.byteLength > inlineMaxBytes) {
      blobKey = `dead-letters/${key.topic}/${key.topicId}/${key.group}/${randomUUID()}`;
      await blobs.put(blobKey, blob);
      spilled.push(blobKey);
    }
    letters.push({
      topic: key.topic,
      topicId: key.topicId,
      id: deadLetterId(record.partition, record.offset, key.topicId),
      group: key.group,
      partition: record.partition,
      offset: record.offset,
      deliveryAttempts: item.deliveryCount,
      lastError: item.error,
      deadLetteredAt: now,
      ...(blobKey ? { blobKey } : { blob }),
    });
  }
  return { letters, spilled };
}
