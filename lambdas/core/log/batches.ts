/**
 * Record batches as read from the log: keeping the contiguous run from an
 * offset, and decoding it into positioned records (split from log.ts).
 */
import type { BatchItem, BlobStore } from '../ports';
import { wireSize, type LogRecord, type PositionedRecord } from '../types';
import { decodeBatch } from './record-batch';

/** The prefix of `items` that continues exactly from `position` without a gap. */
export function takeContiguous(items: readonly BatchItem[], position: number): BatchItem[] {
  const out: BatchItem[] = [];
  let expected = position;
  for (const item of items) {
    if (item.offset + item.count <= expected) continue;
    if (item.offset > expected) break;
    out.push(item);
    expected = item.offset + item.count;
  }
  return out;
}

/**
 * The records of `items` from offset `from` on: at most `limit`, and (past
 * the first) about `maxBytes` of payload. Spilled batches are fetched from S3.
 */
export async function decodeItems(
  blobStore: BlobStore,
  partition: number,
  items: BatchItem[],
  from: number,
  limit: number,
  maxBytes: number,
): Promise<PositionedRecord[]> {
  // A batch whose records retention removed (the head marker) ends what can be read.
  const payloadEnd = items.findIndex((item) => !item.blob && !item.blobKey);
  if (payloadEnd >= 0) items = items.slice(0, payloadEnd);
  const blobs = await Promise.all(items.map((item) => item.blob ?? blobStore.get(item.blobKey as string)));
  const out: PositionedRecord[] = [];
  let bytes = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as BatchItem;
    const records = decodeBatch(blobs[i] as Uint8Array);
    for (let j = 0; j < records.length; j++) {
      const offset = item.offset + j;
      if (offset < from) continue;
      const record = records[j] as LogRecord;
      const size = wireSize(record);
      if (out.length >= limit || (out.length > 0 && bytes + size > maxBytes)) return out;
      bytes += size;
      out.push({ ...record, partition, offset });
    }
  }
  return out;
}
