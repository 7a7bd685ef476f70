/**
 * The partitioned log: appending record batches with offsets assigned by
 * conditional writes, and reading them back by offset.
 *
 * Offset assignment (invariants 1 and 3 of DESIGN.md): a batch is written at
 * `offset = head` only if no batch starts there. If one does, the failed
 * write returns the occupant and the writer hops to its end, without a read.
 * Every offset tried is the end of a batch that exists (or the true head), so
 * it is either taken or the head: no gaps, no overlaps. Heads are cached per
 * container for HEAD_CACHE_TTL_MS, so an uncontended append is exactly one
 * DynamoDB write and no read.
 */
import { randomUUID } from 'node:crypto';
import { IdempotencyKeyReusedError, TopicNotFoundError, UnavailableError } from '../errors';
import { APPEND_DEADLINE_MS, HEAD_CACHE_TTL_MS, MAX_HOPS_BEFORE_HEAD_READ } from '../limits';
import { metrics } from '../metrics';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
import type { AtomicPart, BatchItem, BlobStore, LogStore, OncePart, OncePutResult, ReadOptions } from '../ports';

/** An atomic append was refused because some of its parts' conditions failed; nothing was written. */
export class AtomicPartsFailedError extends Error {
  constructor(readonly failedParts: string[]) {
    super(`atomic parts failed: ${failedParts.join(', ')}`);
  }
}
import type { ArchiveReader } from '../archive/archive-reader';
import { decodeItems, takeContiguous } from './batches';
import { encodeBatch } from './record-batch';
import { offsetForTimestamp } from './time-index';

export { takeContiguous };
import { recordSize, wireSize, type LogRecord, type PositionedRecord, type Topic } from '../types';

/** The log item collection of one partition of one topic incarnation. */
export function streamKey(topic: Pick<Topic, 'name' | 'topicId'>, partition: number): string {
  return `${topic.name}#${topic.topicId}#${partition}`;
}

interface CachedHead {
  head: number;
  /** When the head was last known from a read or our own write (the anchor). */
  anchoredAt: number;
}

export interface PartitionLogOptions {
  /** Encoded batches larger than this go to S3, with a pointer item. */
  inlineBatchMaxBytes: number;
  /** Reads offsets below a partition's archive mark from S3 segments. */
  archive?: ArchiveReader;
  /** Clock, for tests. */
  now?: () => number;
}

export interface ReadResult {
  records: PositionedRecord[];
  /** The offset after the last record returned (the fetch position when none). */
  nextOffset: number;
  /** The partition's end offset, when the read learned it for free. */
  endOffset: number | undefined;
  /** No segment holds the offset: retention moved the start offset past it (re-read the partition state). */
  missing?: boolean;
}

/** Streams whose last batch size a container remembers (cleared when full; only sizes first reads). */
const BATCH_SIZES_REMEMBERED = 10_000;

export class PartitionLog {
  private readonly heads = new Map<string, CachedHead>();
  /** Records in the last batch seen per stream: sizes a read's first Query (see `readHot`). */
  private readonly batchSizes = new Map<string, number>();
  private readonly now: () => number;

  constructor(
    private readonly log: LogStore,
    private readonly blobs: BlobStore,
    private readonly options: PartitionLogOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Appends records to one partition as one batch; returns the base offset.
   * The records get consecutive offsets in the given order.
   *
   * With `once` (a keyed produce), the batch is written together with its
   * idempotency pointer; if an earlier attempt already wrote it, nothing is
   * written and that attempt's base offset is returned. Throws
   * TOPIC_NOT_FOUND when a topic delete fenced the partition.
   */
  async append(
    topic: Topic,
    partition: number,
    records: readonly LogRecord[],
    parts: readonly AtomicPart[] = [],
    once?: OncePart,
  ): Promise<number> {
    const stream = streamKey(topic, partition);
    const blob = encodeBatch(records);
    let bytes = 0;
    let maxTimestamp = 0;
    for (const record of records) {
      bytes += recordSize(record);
      maxTimestamp = Math.max(maxTimestamp, record.timestamp);
    }
    let blobKey: string | undefined;
    if (blob.byteLength > this.options.inlineBatchMaxBytes) {
      blobKey = `batches/${topic.name}/${topic.topicId}/${partition}/${randomUUID()}`;
      await this.blobs.put(blobKey, blob);
    }
    const batch = (offset: number): BatchItem => ({
      offset,
      count: records.length,
      maxTimestamp,
      bytes,
      appendedAt: this.now(),
      ...(blobKey ? { blobKey } : { blob }),
    });
    try {
      const placed = await this.placeBatch(topic, stream, batch, parts, once);
      if (placed.written) return placed.offset;
      // An earlier attempt of this keyed produce wrote the batch: reuse its offsets.
      if (blobKey) await this.blobs.delete([blobKey]).catch(() => undefined);
      if (placed.fingerprint !== once?.fingerprint || placed.count !== records.length) throw new IdempotencyKeyReusedError();
      return placed.offset;
    } catch (error) {
      if (blobKey) await this.blobs.delete([blobKey]).catch(() => undefined);
      throw error;
    }
  }

  private async placeBatch(
    topic: Topic,
    stream: string,
    batch: (offset: number) => BatchItem,
    parts: readonly AtomicPart[],
    once: OncePart | undefined,
  ): Promise<{ written: true; offset: number } | { written: false; offset: number; count: number; fingerprint: string }> {
    const deadline = this.now() + APPEND_DEADLINE_MS;
    let cached = this.cachedHead(stream) ?? (await this.readHead(topic, stream));
    for (let failures = 0; ; ) {
      const item = batch(cached.head);
      const result: OncePutResult | Awaited<ReturnType<LogStore['putBatchAtomically']>> = once
        ? await this.log.putBatchOnce(stream, item, once)
        : parts.length > 0
          ? await this.log.putBatchAtomically(stream, item, parts)
          : await this.log.putBatch(stream, item);
      if (result.written) {
        this.heads.set(stream, { head: item.offset + item.count, anchoredAt: this.now() });
        return { written: true, offset: item.offset };
      }
      if ('already' in result) return { written: false, ...result.already };
      if ('fenced' in result) {
        this.heads.delete(stream);
        throw new TopicNotFoundError(topic.name);
      }
      if ('failedParts' in result) throw new AtomicPartsFailedError(result.failedParts);
      failures += 1;
      metrics().count('ConditionalWriteConflicts', 1);
      if (this.now() >= deadline) break;
      const stale = this.now() - cached.anchoredAt > HEAD_CACHE_TTL_MS;
      if ('conflict' in result || failures % MAX_HOPS_BEFORE_HEAD_READ === 0 || stale) {
        // Many writers on one partition: step back a random moment so they stop colliding in lockstep.
        await sleep(Math.random() * Math.min(200, 5 * 2 ** (failures / MAX_HOPS_BEFORE_HEAD_READ)));
        cached = await this.readHead(topic, stream);
      } else {
        // Hop to the end of the occupying batch; keep the original anchor time.
        cached = { head: result.occupant.offset + result.occupant.count, anchoredAt: cached.anchoredAt };
      }
    }
    this.heads.delete(stream);
    throw new UnavailableError(`Appending to ${stream} (contention)`);
  }

  private cachedHead(stream: string): CachedHead | undefined {
    const cached = this.heads.get(stream);
    if (cached && this.now() - cached.anchoredAt <= HEAD_CACHE_TTL_MS) return cached;
    return undefined;
  }

  private async readHead(topic: Topic, stream: string): Promise<CachedHead> {
    const anchoredAt = this.now();
    const newest = await this.log.newest(stream, { consistent: true });
    if (newest?.fenced) throw new TopicNotFoundError(topic.name);
    const cached = { head: newest ? newest.offset + newest.count : 0, anchoredAt };
    this.heads.set(stream, cached);
    return cached;
  }

  /** The end offset of a partition: the offset the next appended record will get. */
  async endOffset(topic: Topic, partition: number, options: ReadOptions = {}): Promise<number> {
    const newest = await this.log.newest(streamKey(topic, partition), options);
    return newest ? newest.offset + newest.count : 0;
  }

  /**
   * Reads records from `offset` on, at most `limit` records and (past the
   * first record) about `maxBytes` of payload. Returns only a contiguous run
   * starting exactly at `offset`: an eventually consistent read that misses
   * a batch stops before the gap instead of skipping it.
   */
  async read(
    topic: Topic,
    partition: number,
    offset: number,
    limit: number,
    maxBytes: number,
    archivedOffset = 0,
    /** The caller needs the end offset (fetch answers it): read one item more to learn it at the tail. */
    options: { wantEndOffset?: boolean } = {},
  ): Promise<ReadResult> {
    const wantEnd = options.wantEndOffset ?? false;
    const archive = this.options.archive;
    if (offset >= archivedOffset || !archive) return this.readHot(topic, partition, offset, limit, maxBytes, wantEnd);
    const cold = await archive.read(topic, partition, offset, archivedOffset, limit, maxBytes);
    const last = cold[cold.length - 1];
    if (!last) return { records: [], nextOffset: offset, endOffset: undefined, missing: true };
    const next = last.offset + 1;
    const used = cold.reduce((n, r) => n + wireSize(r), 0);
    if (cold.length >= limit || next < archivedOffset || used >= maxBytes) {
      return { records: cold, nextOffset: next, endOffset: undefined };
    }
    // The read continues seamlessly from the segments into the hot log.
    const hot = await this.readHot(topic, partition, next, limit - cold.length, maxBytes - used, wantEnd);
    return { records: [...cold, ...hot.records], nextOffset: hot.records.length > 0 ? hot.nextOffset : next, endOffset: hot.endOffset };
  }

  private async readHot(
    topic: Topic,
    partition: number,
    offset: number,
    limit: number,
    maxBytes: number,
    wantEndOffset: boolean,
  ): Promise<ReadResult> {
    const stream = streamKey(topic, partition);
    const items: BatchItem[] = [];
    let position = offset;
    let collected = 0;
    let payload = 0;
    let endOffset: number | undefined;
    // A Query is billed for every item it reads, and a batch item can hold hundreds of records:
    // ask for about as many items as `limit` needs (one more when the caller wants the end offset,
    // which then comes for free at the tail instead of costing a query for the newest item).
    let pageSize = this.firstPageSize(stream, limit, wantEndOffset);
    for (let first = true; collected < limit; first = false) {
      const page = await this.log.forward(stream, position, pageSize);
      let pageItems = page.items;
      if (first && pageItems[0]?.offset !== position) {
        const before = await this.log.atOrBefore(stream, position);
        const beforeEnd = before ? before.offset + before.count : 0;
        if (before && beforeEnd > position) pageItems = [before, ...pageItems];
        else if (pageItems.length === 0) return { records: [], nextOffset: offset, endOffset: beforeEnd };
      }
      const contiguous = takeContiguous(pageItems, position);
      let used = 0;
      for (const item of contiguous) {
        // Batches past the limit or the byte budget are not fetched from S3 nor decoded.
        if (collected >= limit || (items.length > 0 && payload >= maxBytes)) break;
        items.push(item);
        used += 1;
        collected += item.offset + item.count - position;
        payload += item.bytes;
        position = item.offset + item.count;
        this.noteBatchSize(stream, item.count);
      }
      if (page.reachedEnd && used === pageItems.length) endOffset = position;
      if (used < pageItems.length || page.reachedEnd || used === 0 || payload >= maxBytes) break;
      const perItem = collected / items.length;
      pageSize = Math.max(1, Math.min(100, Math.ceil((limit - collected) / perItem) + (wantEndOffset ? 1 : 0)));
    }
    const records = await decodeItems(this.blobs, partition, items, offset, limit, maxBytes);
    const last = records[records.length - 1];
    return { records, nextOffset: last ? last.offset + 1 : offset, endOffset };
  }

  /** Items for a read's first Query: from the stream's last seen batch size, else 2 (cheap either way). */
  private firstPageSize(stream: string, limit: number, wantEndOffset: boolean): number {
    const perItem = this.batchSizes.get(stream);
    const items = perItem ? Math.ceil(limit / perItem) : 2;
    return Math.max(1, Math.min(100, limit, items) + (wantEndOffset ? 1 : 0));
  }

  private noteBatchSize(stream: string, count: number): void {
    if (this.batchSizes.size >= BATCH_SIZES_REMEMBERED && !this.batchSizes.has(stream)) this.batchSizes.clear();
    this.batchSizes.set(stream, count);
  }

  /**
   * True when a batch starts exactly at `offset`: the cheap check of a long
   * poll waiting at the end of a partition (a key-range query that returns
   * nothing costs the minimum read unit).
   */
  async batchStartsAt(topic: Topic, partition: number, offset: number): Promise<boolean> {
    const page = await this.log.forward(streamKey(topic, partition), offset, 1);
    return page.items.length > 0;
  }

  /**
   * The first offset whose record has a timestamp ≥ `timestamp`, or the end
   * offset when there is none (see `offsetForTimestamp` in time-index.ts).
   */
  async offsetForTimestamp(
    topic: Topic,
    partition: number,
    timestamp: number,
    startOffset: number,
    archivedOffset = 0,
  ): Promise<number> {
    return offsetForTimestamp(
      {
        log: this.log,
        blobs: this.blobs,
        archive: this.options.archive,
        stream: streamKey(topic, partition),
        endOffset: () => this.endOffset(topic, partition),
      },
      topic,
      partition,
      timestamp,
      startOffset,
      archivedOffset,
    );
  }
}
