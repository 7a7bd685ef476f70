/**
 * The archiver and retention (Kafka's tiered storage, KIP-405). For each
 * partition, batches older than the topic's `archiveAfterMs` are packed in
 * offset order into an S3 segment; then, in this order (invariant 6):
 *
 *   1. the segment object is written to S3;
 *   2. its catalog entry and the move of the partition's archive mark are one
 *      conditional transaction (a concurrent archiver loses and stops);
 *   3. the archived log items are deleted.
 *
 * Every step is idempotent: a crash anywhere leaves either an unreferenced
 * object (the key names the offsets it holds: a next run packing the same
 * batches rewrites it; one packing more leaves it as an orphan, see
 * docs/ARCHITECTURE.md) or items below the mark (deleted by the next run). Reads stay
 * correct throughout: below the mark they use the segment, above it the log.
 *
 * Retention then deletes whole segments, oldest first, whose newest record
 * is older than `retentionMs` or that put the partition over
 * `retentionBytes`: the start offset is raised first (reads below it get
 * 416), then the object and catalog entry go. The newest log item is never
 * deleted (it marks the head, so offsets keep counting); when it expires, its
 * records are removed and the start offset passes it.
 */
import { mapWithConcurrency } from '../concurrency';
import { HOT_BYTES_MEASURE_INTERVAL_MS, LOG_ITEM_MIN_DELETE_AGE_MS } from '../limits';
import { streamKey } from '../log/log';
import type { BatchItem, BlobStore, LogStore, SegmentCatalog, SegmentInfo } from '../ports';
import { encodeSegment, segmentKey, type SegmentBatch } from './segment';
import type { TopicService } from '../topics';
import type { Topic } from '../types';

export interface ArchiveLimits {
  /** Batches per segment (and per run step). */
  maxBatchesPerSegment: number;
  /** Raw record bytes per segment. */
  maxSegmentBytes: number;
  /** Segments one partition run writes at most (bounds one invocation's work). */
  maxSegmentsPerRun: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxBatchesPerSegment: 2000,
  maxSegmentBytes: 64 * 1024 * 1024,
  maxSegmentsPerRun: 16,
};

export interface PartitionReport {
  topic: string;
  partition: number;
  segmentsWritten: number;
  batchesArchived: number;
  segmentsDeleted: number;
  startOffset: number;
  archivedOffset: number;
}

/** Pages of log items the archiver reads at a time. */
const PAGE = 100;

export class ArchiveService {
  constructor(
    private readonly topics: TopicService,
    private readonly log: LogStore,
    private readonly catalog: SegmentCatalog,
    private readonly objects: BlobStore,
    private readonly limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every partition of every topic, `concurrency` at a time (the local stack's timer uses this). */
  async runAll(concurrency = 4): Promise<PartitionReport[]> {
    const work = await this.partitions();
    return mapWithConcurrency(work, concurrency, ({ topic, partition }) => this.runPartition(topic, partition));
  }

  /** What a scheduled run fans out over: one piece of work per partition. */
  async partitions(): Promise<Array<{ topic: string; partition: number }>> {
    const topics = await this.topics.list();
    return topics.flatMap((t) => Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.name, partition })));
  }

  /** Archives what is old enough, then applies retention, for one partition. Safe to run concurrently. */
  async runPartition(topicName: string, partition: number): Promise<PartitionReport> {
    const topic = await this.topics.getFresh(topicName);
    const report: PartitionReport = {
      topic: topic.name,
      partition,
      segmentsWritten: 0,
      batchesArchived: 0,
      segmentsDeleted: 0,
      startOffset: 0,
      archivedOffset: 0,
    };
    await this.archive(topic, partition, report);
    await this.measureHot(topic, partition);
    await this.retain(topic, partition, report);
    const state = await this.catalog.state(topic, partition);
    report.startOffset = state.startOffset;
    report.archivedOffset = state.archivedOffset;
    return report;
  }

  /** Batches appended before this time may be archived. */
  private cutoff(topic: Topic): number {
    const { archiveAfterMs, retentionMs } = topic.config;
    // Records that retention would already expire are archived at once, so retention can drop them.
    const after = retentionMs > 0 ? Math.min(archiveAfterMs, retentionMs) : archiveAfterMs;
    return this.now() - Math.max(after, LOG_ITEM_MIN_DELETE_AGE_MS);
  }

  private async archive(topic: Topic, partition: number, report: PartitionReport): Promise<void> {
    const stream = streamKey(topic, partition);
    for (let round = 0; round < this.limits.maxSegmentsPerRun; round++) {
      const { archivedOffset } = await this.catalog.state(topic, partition);
      const newest = await this.log.newest(stream, { consistent: true });
      if (!newest) return;
      await this.deleteBelow(stream, archivedOffset, newest);
      const batches = await this.eligible(stream, archivedOffset, newest, this.cutoff(topic));
      if (batches.length === 0) return;
      const written = await this.writeSegment(topic, partition, archivedOffset, batches);
      if (!written) return; // another archiver moved the mark; it carries on
      report.segmentsWritten += 1;
      report.batchesArchived += batches.length;
      await this.deleteItems(stream, batches);
    }
  }

  /** Sums the record bytes still in DynamoDB (bounded: a partition with more items is left unmeasured). */
  private async measureHot(topic: Topic, partition: number): Promise<void> {
    const stream = streamKey(topic, partition);
    const { archivedOffset, hotMeasuredAt } = await this.catalog.state(topic, partition);
    // Reading the hot log costs about 1 read unit per 8 KB of it, every run. Only size retention
    // needs a fresh figure; for describe, one measure an interval is enough.
    const fresh = hotMeasuredAt !== undefined && Math.abs(this.now() - hotMeasuredAt) < HOT_BYTES_MEASURE_INTERVAL_MS;
    if (topic.config.retentionBytes <= 0 && fresh) return;
    let bytes = 0;
    let position = archivedOffset;
    for (let page = 0; page < 20; page++) {
      const items = await this.log.forward(stream, position, PAGE);
      for (const item of items.items) bytes += item.bytes;
      const last = items.items[items.items.length - 1];
      if (items.reachedEnd || !last) return this.catalog.recordHotBytes(topic, partition, bytes, this.now());
      position = last.offset + last.count;
    }
  }

  /** Contiguous batches from the mark that are old enough; never the newest (it marks the head). */
  private async eligible(stream: string, from: number, newest: BatchItem, cutoff: number): Promise<BatchItem[]> {
    const out: BatchItem[] = [];
    let position = from;
    let bytes = 0;
    for (;;) {
      const page = await this.log.forward(stream, position, PAGE, { consistent: true });
      for (const item of page.items) {
        const fits = out.length < this.limits.maxBatchesPerSegment && bytes + item.bytes <= this.limits.maxSegmentBytes;
        if (item.offset !== position || item.offset === newest.offset || item.appendedAt > cutoff || (!fits && out.length > 0)) {
          return out;
        }
        out.push(item);
        bytes += item.bytes;
        position = item.offset + item.count;
      }
      if (page.reachedEnd || page.items.length === 0) return out;
    }
  }

  private async writeSegment(topic: Topic, partition: number, base: number, items: BatchItem[]): Promise<boolean> {
    const batches: SegmentBatch[] = await Promise.all(
      items.map(async (item) => ({
        offset: item.offset,
        count: item.count,
        maxTimestamp: item.maxTimestamp,
        bytes: item.bytes,
        blob: item.blob ?? (await this.objects.get(item.blobKey as string)),
      })),
    );
    const last = items[items.length - 1] as BatchItem;
    const end = last.offset + last.count;
    const { segment, index } = encodeSegment(batches);
    const info: SegmentInfo = {
      base,
      end,
      bytes: items.reduce((n, i) => n + i.bytes, 0),
      objectBytes: segment.byteLength,
      maxTimestamp: Math.max(...items.map((i) => i.maxTimestamp)),
      key: segmentKey(topic.name, topic.topicId, partition, base, end),
    };
    await this.objects.put(info.key, segment);
    const committed = await this.catalog.commitSegment(topic, partition, info, index, base);
    if (!committed) {
      const current = await this.catalog.segmentAt(topic, partition, base);
      // Ours is unreferenced unless the winner wrote the very same offsets (the same key).
      if (current?.info.key !== info.key) await this.objects.delete([info.key]);
    }
    return committed;
  }

  /** Items wholly below the mark: left by a run that stopped after moving it. */
  private async deleteBelow(stream: string, mark: number, newest: BatchItem): Promise<void> {
    const minAge = this.now() - LOG_ITEM_MIN_DELETE_AGE_MS;
    for (;;) {
      const page = await this.log.forward(stream, 0, PAGE, { consistent: true });
      const below = page.items.filter(
        (i) => i.offset + i.count <= mark && i.offset !== newest.offset && i.appendedAt <= minAge,
      );
      if (below.length === 0) return;
      await this.deleteItems(stream, below);
      if (below.length < page.items.length) return;
    }
  }

  private async deleteItems(stream: string, items: readonly BatchItem[]): Promise<void> {
    await this.log.deleteBatches(stream, items.map((i) => i.offset));
    const spilled = items.flatMap((i) => (i.blobKey ? [i.blobKey] : []));
    if (spilled.length > 0) await this.objects.delete(spilled);
  }

  private async retain(topic: Topic, partition: number, report: PartitionReport): Promise<void> {
    const { retentionMs, retentionBytes } = topic.config;
    const state = await this.catalog.state(topic, partition);
    const segments = await this.catalog.segments(topic, partition);
    // Segments the start offset already passed (a run that stopped after raising it).
    for (const dead of segments.filter((s) => s.end <= state.startOffset)) await this.dropSegment(topic, partition, dead);
    const live = segments.filter((s) => s.end > state.startOffset);
    let total = live.reduce((n, s) => n + s.bytes, 0) + (state.hotBytes ?? 0);
    const expiredBefore = this.now() - retentionMs;
    for (const segment of live) {
      const byTime = retentionMs > 0 && segment.maxTimestamp < expiredBefore;
      // Kafka's rule: drop the oldest segment while the rest still holds retentionBytes.
      const bySize = retentionBytes > 0 && total - segment.bytes >= retentionBytes;
      if (!byTime && !bySize) return;
      await this.catalog.raiseStart(topic, partition, segment.end, segment.bytes);
      await this.dropSegment(topic, partition, segment);
      total -= segment.bytes;
      report.segmentsDeleted += 1;
    }
    await this.expireHead(topic, partition);
  }

  /** When everything before it is gone and the newest batch has expired too, its records go; the item stays. */
  private async expireHead(topic: Topic, partition: number): Promise<void> {
    const { retentionMs } = topic.config;
    if (retentionMs <= 0) return;
    const stream = streamKey(topic, partition);
    const newest = await this.log.newest(stream, { consistent: true });
    const state = await this.catalog.state(topic, partition);
    if (!newest || state.startOffset >= newest.offset + newest.count) return;
    const expired = newest.maxTimestamp < this.now() - retentionMs && newest.appendedAt <= this.now() - LOG_ITEM_MIN_DELETE_AGE_MS;
    if (!expired || state.startOffset < newest.offset) return;
    await this.catalog.raiseStart(topic, partition, newest.offset + newest.count, 0);
    await this.log.clearPayload(stream, newest.offset);
    await this.catalog.releaseHotBytes(topic, partition, newest.bytes);
    if (newest.blobKey) await this.objects.delete([newest.blobKey]);
  }

  private async dropSegment(topic: Topic, partition: number, segment: SegmentInfo): Promise<void> {
    await this.objects.delete([segment.key]);
    await this.catalog.removeSegment(topic, partition, segment.base);
  }
}
