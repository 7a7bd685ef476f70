/**
 * The delivery planner: which records of a partition make the next batch.
 * Pure functions over records read from the committed offset. A batch covers
 * an offset range [from, end) and carries the records in it that match the
 * subscription's filter; records that do not match are passed over (the
 * range still covers them, so committing the batch moves past them).
 */
import { matchesFilter, type RecordFilter } from '../filters/filter';
import type { PositionedRecord } from '../types';

export interface PlannedBatch {
  /** The matching records, in offset order. */
  readonly records: PositionedRecord[];
  /** The offset after the range the batch covers. */
  readonly end: number;
}

/**
 * Takes up to `limit` matching records from `read` (records from `from` on,
 * in offset order). When fewer match, the range extends over everything
 * read (`readEnd`), so the records passed over are not read again.
 */
export function planBatch(
  read: readonly PositionedRecord[],
  readEnd: number,
  filter: RecordFilter | null,
  limit: number,
): PlannedBatch {
  const records: PositionedRecord[] = [];
  for (const record of read) {
    if (!matchesFilter(filter, record)) continue;
    records.push(record);
    if (records.length >= limit) return { records, end: record.offset + 1 };
  }
  return { records, end: readEnd };
}

/** The largest batch allowed at `committed`: the subscription's, or the bisection's cap while it lasts. */
export function batchLimit(maxBatchRecords: number, committed: number, capSize: number | undefined, capUntil: number | undefined): number {
  if (capSize !== undefined && capUntil !== undefined && committed < capUntil) return Math.max(1, Math.min(maxBatchRecords, capSize));
  return maxBatchRecords;
}

/**
 * Bisection after a batch failed `maxDeliveryAttempts` times: the first half
 * of its matching records becomes a new batch (its own webhook-id), and
 * batches stay at most that size until the failed batch's range is passed.
 * Undefined when the batch holds one record: that record is the one to
 * dead-letter.
 */
export function splitBatch(
  records: readonly PositionedRecord[],
  end: number,
  capUntil: number | undefined,
): { end: number; capSize: number; capUntil: number } | undefined {
  if (records.length <= 1) return undefined;
  const half = Math.ceil(records.length / 2);
  const last = records[half - 1] as PositionedRecord;
  return { end: last.offset + 1, capSize: half, capUntil: Math.max(capUntil ?? 0, end) };
}
