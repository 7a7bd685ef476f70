/**
 * Reads records below a partition's archive mark from S3 segments: the
 * catalog names the segment holding an offset, its index gives the byte
 * range of the batches needed, and one ranged GET fetches them.
 */
import type { SegmentCatalog, SegmentObjects } from '../ports';
import { decodeBatch } from '../log/record-batch';
import { decodeFrames, decodeIndex, findEntry, type IndexEntry } from './segment';
import { wireSize, type LogRecord, type PositionedRecord, type Topic } from '../types';

/** S3's answer for a key that is gone (403 without s3:ListBucket, 404 with it). */
function isMissingObject(error: unknown): boolean {
  return error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'AccessDenied' || error.name === 'NotFound');
}

export class ArchiveReader {
  constructor(
    private readonly catalog: SegmentCatalog,
    private readonly objects: SegmentObjects,
  ) {}

  /**
   * Records from `offset` up to (not including) `archivedOffset`, at most
   * `limit` records and about `maxBytes` (at least one record). An empty
   * result means no segment holds `offset` (retention removed it).
   */
  async read(
    topic: Topic,
    partition: number,
    offset: number,
    archivedOffset: number,
    limit: number,
    maxBytes: number,
  ): Promise<PositionedRecord[]> {
    const out: PositionedRecord[] = [];
    let position = offset;
    let bytes = 0;
    while (position < archivedOffset && out.length < limit) {
      const segment = await this.catalog.segmentAt(topic, partition, position);
      if (!segment) break;
      const entries = decodeIndex(segment.index);
      const first = findEntry(entries, position);
      if (first < 0) break;
      // Take batches until they hold enough records (the byte budget is applied per record below).
      let last = first;
      let records = (entries[first] as IndexEntry).offset + (entries[first] as IndexEntry).count - position;
      while (last + 1 < entries.length && records < limit - out.length) {
        last += 1;
        records += (entries[last] as IndexEntry).count;
      }
      const start = (entries[first] as IndexEntry).position;
      const end = (entries[last] as IndexEntry).position + (entries[last] as IndexEntry).length;
      let range: Uint8Array;
      try {
        range = await this.objects.getRange(segment.info.key, start, end);
      } catch (error) {
        // Retention deleted the segment after the catalog lookup: read as "no segment" (the caller re-reads the marks).
        if (isMissingObject(error)) break;
        throw error;
      }
      const frames = decodeFrames(range);
      for (const frame of frames) {
        const batch = decodeBatch(frame.blob);
        for (let i = 0; i < batch.length; i++) {
          const at = frame.offset + i;
          if (at < position) continue;
          const record = batch[i] as LogRecord;
          const size = wireSize(record);
          if (out.length >= limit || (out.length > 0 && bytes + size > maxBytes)) return out;
          bytes += size;
          out.push({ ...record, partition, offset: at });
        }
      }
      position = (entries[last] as IndexEntry).offset + (entries[last] as IndexEntry).count;
    }
    return out;
  }

  /** The first archived offset whose record has timestamp ≥ `timestamp`, if any segment has one. */
  async offsetForTimestamp(topic: Topic, partition: number, timestamp: number, startOffset: number): Promise<number | undefined> {
    for (const info of await this.catalog.segments(topic, partition)) {
      if (info.end <= startOffset || info.maxTimestamp < timestamp) continue;
      const segment = await this.catalog.segmentAt(topic, partition, Math.max(info.base, startOffset));
      if (!segment) continue;
      for (const entry of decodeIndex(segment.index)) {
        if (entry.offset + entry.count <= startOffset || entry.maxTimestamp < timestamp) continue;
        const [frame] = decodeFrames(await this.objects.getRange(info.key, entry.position, entry.position + entry.length));
        const records = decodeBatch((frame as { blob: Uint8Array }).blob);
        const index = records.findIndex((r, i) => entry.offset + i >= startOffset && r.timestamp >= timestamp);
        if (index >= 0) return entry.offset + index;
      }
    }
    return undefined;
  }
}
