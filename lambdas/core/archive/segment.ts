/**
 * The S3 segment format: a run of record batches of one partition, in offset
 * order, each as a self-describing frame, so an operator can read a segment
 * front to back with a short script (docs/STORAGE.md):
 *
 *   frame = magic "TRB1" (4 bytes)
 *           baseOffset  (8 bytes, big-endian unsigned)
 *           count       (4 bytes, big-endian)
 *           maxTimestamp(8 bytes, big-endian)
 *           bytes       (4 bytes: record bytes before compression)
 *           length      (4 bytes: length of the batch blob)
 *           blob        (`length` bytes: the record-batch blob of record-batch.ts)
 *
 * The offset index (kept beside the segment's catalog entry in DynamoDB) has
 * one 32-byte entry per batch, big-endian: baseOffset (8), count (4), byte
 * position of the frame in the segment (8), frame length (4), maxTimestamp
 * (8). A reader finds the batch holding an offset by binary search and
 * fetches its frames with one ranged GET.
 */

export const FRAME_MAGIC = Buffer.from('TRB1', 'ascii');
export const FRAME_HEADER_BYTES = 32;
export const INDEX_ENTRY_BYTES = 32;

export interface SegmentBatch {
  readonly offset: number;
  readonly count: number;
  readonly maxTimestamp: number;
  readonly bytes: number;
  readonly blob: Uint8Array;
}

export interface IndexEntry {
  readonly offset: number;
  readonly count: number;
  /** Byte position of the frame in the segment object. */
  readonly position: number;
  /** Frame length (header + blob). */
  readonly length: number;
  readonly maxTimestamp: number;
}

export class CorruptSegmentError extends Error {}

/** Packs batches (contiguous, in offset order) into a segment and its index. */
export function encodeSegment(batches: readonly SegmentBatch[]): { segment: Buffer; index: Buffer; entries: IndexEntry[] } {
  const frames: Buffer[] = [];
  const entries: IndexEntry[] = [];
  let position = 0;
  for (const batch of batches) {
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    FRAME_MAGIC.copy(header, 0);
    header.writeBigUInt64BE(BigInt(batch.offset), 4);
    header.writeUInt32BE(batch.count, 12);
    header.writeBigUInt64BE(BigInt(batch.maxTimestamp), 16);
    header.writeUInt32BE(batch.bytes, 24);
    header.writeUInt32BE(batch.blob.byteLength, 28);
    const length = FRAME_HEADER_BYTES + batch.blob.byteLength;
    frames.push(header, Buffer.from(batch.blob.buffer, batch.blob.byteOffset, batch.blob.byteLength));
    entries.push({ offset: batch.offset, count: batch.count, position, length, maxTimestamp: batch.maxTimestamp });
    position += length;
  }
  return { segment: Buffer.concat(frames), index: encodeIndex(entries), entries };
}

export function encodeIndex(entries: readonly IndexEntry[]): Buffer {
  const out = Buffer.alloc(entries.length * INDEX_ENTRY_BYTES);
  entries.forEach((e, i) => {
    const at = i * INDEX_ENTRY_BYTES;
    out.writeBigUInt64BE(BigInt(e.offset), at);
    out.writeUInt32BE(e.count, at + 8);
    out.writeBigUInt64BE(BigInt(e.position), at + 12);
    out.writeUInt32BE(e.length, at + 20);
    out.writeBigUInt64BE(BigInt(e.maxTimestamp), at + 24);
  });
  return out;
}

export function decodeIndex(index: Uint8Array): IndexEntry[] {
  const buf = Buffer.from(index.buffer, index.byteOffset, index.byteLength);
  if (buf.length % INDEX_ENTRY_BYTES !== 0) throw new CorruptSegmentError('index length is not a whole number of entries');
  const entries: IndexEntry[] = [];
  for (let at = 0; at < buf.length; at += INDEX_ENTRY_BYTES) {
    entries.push({
      offset: Number(buf.readBigUInt64BE(at)),
      count: buf.readUInt32BE(at + 8),
      position: Number(buf.readBigUInt64BE(at + 12)),
      length: buf.readUInt32BE(at + 20),
      maxTimestamp: Number(buf.readBigUInt64BE(at + 24)),
    });
  }
  return entries;
}

/** Parses consecutive frames (a whole segment, or a ranged read of whole frames). */
export function decodeFrames(bytes: Uint8Array): SegmentBatch[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: SegmentBatch[] = [];
  for (let at = 0; at < buf.length; ) {
    if (at + FRAME_HEADER_BYTES > buf.length || !buf.subarray(at, at + 4).equals(FRAME_MAGIC)) {
      throw new CorruptSegmentError(`no frame at byte ${at}`);
    }
    const length = buf.readUInt32BE(at + 28);
    const end = at + FRAME_HEADER_BYTES + length;
    if (end > buf.length) throw new CorruptSegmentError(`frame at byte ${at} is truncated`);
    out.push({
      offset: Number(buf.readBigUInt64BE(at + 4)),
      count: buf.readUInt32BE(at + 12),
      maxTimestamp: Number(buf.readBigUInt64BE(at + 16)),
      bytes: buf.readUInt32BE(at + 24),
      blob: buf.subarray(at + FRAME_HEADER_BYTES, end),
    });
    at = end;
  }
  return out;
}

/** Index of the entry whose batch holds `offset` (entries sorted, contiguous); -1 if none. */
export function findEntry(entries: readonly IndexEntry[], offset: number): number {
  let low = 0;
  let high = entries.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const e = entries[mid] as IndexEntry;
    if (offset < e.offset) high = mid - 1;
    else if (offset >= e.offset + e.count) low = mid + 1;
    else return mid;
  }
  return -1;
}

/** S3 key of a segment: Kafka-style zero-padded base offset, then the end offset (so a retried archive of other batches never overwrites it). */
export function segmentKey(topic: string, topicId: string, partition: number, base: number, end: number): string {
  return `segments/${topic}/${topicId}/${partition}/${String(base).padStart(20, '0')}-${String(end).padStart(20, '0')}.segment`;
}
