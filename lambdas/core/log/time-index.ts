/**
 * Finding an offset by time (`fromTimestamp`): binary search over a
 * partition's batches by their largest timestamp, then a scan inside the
 * batch found, after the archive's own time index for offsets below the
 * archive mark. Split from log.ts, which calls it.
 */
import type { ArchiveReader } from '../archive/archive-reader';
import type { BlobStore, LogStore } from '../ports';
import type { Topic } from '../types';
import { decodeBatch } from './record-batch';

/** What the search reads: the partition's log items, spilled batches, segments, and its end offset. */
export interface TimeIndexSources {
  readonly log: LogStore;
  readonly blobs: BlobStore;
  readonly archive: ArchiveReader | undefined;
  /** The partition's log stream key. */
  readonly stream: string;
  readonly endOffset: () => Promise<number>;
}

/**
 * The first offset whose record has a timestamp ≥ `timestamp`, or the end
 * offset when there is none: O(log batches) small queries. Exact when
 * timestamps do not decrease within the partition (server-assigned or
 * producer clocks); with out-of-order producer timestamps it is the same
 * best effort as Kafka's time index.
 */
export async function offsetForTimestamp(
  sources: TimeIndexSources,
  topic: Topic,
  partition: number,
  timestamp: number,
  startOffset: number,
  archivedOffset = 0,
): Promise<number> {
  const { log, blobs, archive, stream } = sources;
  if (archive && archivedOffset > startOffset) {
    const cold = await archive.offsetForTimestamp(topic, partition, timestamp, startOffset);
    if (cold !== undefined) return cold;
  }
  let low = Math.max(startOffset, archivedOffset);
  let high = await sources.endOffset();
  while (low < high) {
    const mid = low + Math.floor((high - low) / 2);
    const item = await log.atOrBefore(stream, mid);
    if (!item || item.offset + item.count <= mid) {
      low = mid + 1; // not readable from the hot log (e.g. below its oldest batch): look later
      continue;
    }
    if (item.maxTimestamp >= timestamp) high = item.offset;
    else low = item.offset + item.count;
  }
  const candidate = await log.forward(stream, low, 1);
  const item = candidate.items[0];
  if (!item || item.offset !== low) return low;
  const records = decodeBatch(item.blob ?? (await blobs.get(item.blobKey as string)));
  const index = records.findIndex((record) => record.timestamp >= timestamp);
  return index < 0 ? item.offset + item.count : item.offset + index;
}
