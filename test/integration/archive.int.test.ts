/**
 * Tiered storage on DynamoDB Local and s3rver: archived records stay
 * readable by offset, timestamp and consumer group; retention by time and
 * size raises the start offset; failures between the archiver's steps and
 * concurrent archivers lose and duplicate nothing (invariant 6).
 */
import { OffsetOutOfRangeError } from '../../lambdas/core/errors';
import { streamKey } from '../../lambdas/core/log/log';
import type { PositionedRecord } from '../../lambdas/core/types';
import { buildEngine, InjectedFault, type Engine } from '../support/engine';
import { createTestTables, type TestTables } from '../support/backends';

const HOURS = 60 * 60 * 1000;
/** Record timestamps of most topics: an hour ago (inside the default 7-day retention). */
const T0 = Date.now() - HOURS;
/** Record timestamps of the expiring topic: 2023, long past any retention below. */
const ANCIENT = 1_700_000_000_000;
let tables: TestTables;
let admin: Engine;

beforeAll(async () => {
  tables = await createTestTables();
  admin = buildEngine(tables.config);
});

const json = (value: unknown) => ({ json: JSON.stringify(value) });
const valueOf = (r: PositionedRecord) => JSON.parse((r.value as { json: string }).json) as number;

/** A topic with `batches` batches of 5 records (values = offsets, timestamps T0 + offset·1000) on one partition. */
async function filled(name: string, batches: number, config: Record<string, number> = {}, t0 = T0): Promise<void> {
  await admin.topics.create({ name, partitions: 1, archiveAfterMs: 0, ...config });
  for (let b = 0; b < batches; b++) {
    await admin.producer.produce(name, Array.from({ length: 5 }, (_, i) => ({ value: json(b * 5 + i), timestamp: t0 + (b * 5 + i) * 1000 })));
  }
}

/** Reads a partition through a fresh engine (no cached marks), from `offset`, `limit` at a time. */
async function readAll(topic: string, offset = 0, limit = 1000): Promise<PositionedRecord[]> {
  const reader = buildEngine(tables.config);
  const out: PositionedRecord[] = [];
  for (let at = offset; ; ) {
    const page = await reader.fetcher.fetch({ topic, partition: 0, position: { kind: 'offset', offset: at }, limit, waitMs: 0 });
    if (page.records.length === 0) return out;
    out.push(...page.records);
    at = page.nextOffset;
  }
}

describe('ArchiveService', () => {
  it('moves old batches to S3 segments and keeps every record readable by offset, across tiers and mid-batch', async () => {
    await filled('tiered', 11);
    const report = await admin.archiver(2 * HOURS, { maxBatchesPerSegment: 4 }).runPartition('tiered', 0);
    // Ten batches archived in segments of at most four; the newest batch stays as the head.
    expect(report).toMatchObject({ batchesArchived: 10, segmentsWritten: 3, archivedOffset: 50, startOffset: 0 });
    const hot = await admin.logStore.forward(streamKey(await admin.topics.get('tiered'), 0), 0, 100, { consistent: true });
    expect(hot.items.map((i) => i.offset)).toEqual([50]);
    const all = await readAll('tiered');
    expect(all.map((r) => r.offset)).toEqual(Array.from({ length: 55 }, (_, i) => i));
    expect(all.map(valueOf)).toEqual(Array.from({ length: 55 }, (_, i) => i));
    // Mid-segment, mid-batch, and across the S3 → DynamoDB boundary in one response.
    const fetch = (offset: number, limit: number) =>
      buildEngine(tables.config).fetcher.fetch({ topic: 'tiered', partition: 0, position: { kind: 'offset', offset }, limit, waitMs: 0 });
    expect((await fetch(23, 7)).records.map((r) => r.offset)).toEqual([23, 24, 25, 26, 27, 28, 29]);
    const spanning = await fetch(47, 6);
    expect(spanning.records.map((r) => r.offset)).toEqual([47, 48, 49, 50, 51, 52]);
    const described = await admin.topics.describe('tiered');
    expect(described.partitions[0]).toMatchObject({ partition: 0, startOffset: 0, archivedOffset: 50, endOffset: 55 });
    // Bytes per tier: the ten archived batches in S3, the newest batch measured in DynamoDB.
    const bytesOf = (n: number) => Buffer.byteLength(JSON.stringify(n));
    expect(described.partitions[0]!.archivedBytes).toBe(Array.from({ length: 50 }, (_, i) => bytesOf(i)).reduce((a, b) => a + b, 0));
    expect(described.partitions[0]!.hotBytes).toBe(Array.from({ length: 5 }, (_, i) => bytesOf(50 + i)).reduce((a, b) => a + b, 0));
  });

  it('serves earliest, fromTimestamp and consumer groups from the archive', async () => {
    const fresh = buildEngine(tables.config);
    const byTime = await fresh.fetcher.fetch({ topic: 'tiered', partition: 0, position: { kind: 'timestamp', timestamp: T0 + 17_500 }, limit: 2, waitMs: 0 });
    expect(byTime.records.map((r) => r.offset)).toEqual([18, 19]);
    const hotByTime = await fresh.fetcher.fetch({ topic: 'tiered', partition: 0, position: { kind: 'timestamp', timestamp: T0 + 52_000 }, limit: 1, waitMs: 0 });
    expect(hotByTime.records.map((r) => r.offset)).toEqual([52]);
    const earliest = await fresh.fetcher.fetch({ topic: 'tiered', partition: 0, position: { kind: 'earliest' }, limit: 3, waitMs: 0 });
    expect(earliest.records.map((r) => r.offset)).toEqual([0, 1, 2]);
    const polled = await fresh.groups.poll({ group: 'g', topic: 'tiered', consumerId: 'c', maxRecords: 100, waitMs: 0, sessionTimeoutMs: 30_000, autoOffsetReset: 'earliest' });
    expect(polled.records.map((r) => r.offset)).toEqual(Array.from({ length: 55 }, (_, i) => i));
  });

  it('expires segments by time, raises the start offset, and keeps offsets counting', async () => {
    await filled('expiring', 6, { retentionMs: 24 * HOURS }, ANCIENT);
    // A group that started at offset 0 before retention ran.
    await admin.groups.poll({ group: 'early', topic: 'expiring', consumerId: 'e', maxRecords: 1, waitMs: 0, sessionTimeoutMs: 30_000, autoOffsetReset: 'earliest' });
    // The records' timestamps are from 2023: all older than a day. The newest batch expires last, as the head marker.
    const report = await admin.archiver(2 * HOURS).runPartition('expiring', 0);
    expect(report.startOffset).toBe(30);
    expect(await admin.catalog.segments(await admin.topics.get('expiring'), 0)).toEqual([]);
    const reader = buildEngine(tables.config).fetcher;
    const error = await reader.fetch({ topic: 'expiring', partition: 0, position: { kind: 'offset', offset: 3 }, limit: 10, waitMs: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OffsetOutOfRangeError);
    expect(error).toMatchObject({ startOffset: 30, endOffset: 30 });
    const next = await admin.producer.produce('expiring', [{ value: json('after') }]);
    expect(next.results).toEqual([{ partition: 0, offset: 30 }]);
    const polled = await buildEngine(tables.config).groups.poll({ group: 'late', topic: 'expiring', consumerId: 'c', maxRecords: 10, waitMs: 0, sessionTimeoutMs: 30_000, autoOffsetReset: 'earliest' });
    expect(polled.records.map((r) => r.offset)).toEqual([30]);
    // Lag counts only what can still be consumed: from the start offset, not from the stale commit.
    const early = await admin.groups.describe('early', 'expiring');
    expect(early.partitions[0]).toMatchObject({ committedOffset: 0, endOffset: 31, lag: 1 });
  });

  it('deletes the oldest segments beyond retentionBytes', async () => {
    await filled('sized', 9);
    const topic = await admin.topics.get('sized');
    await admin.archiver(2 * HOURS, { maxBatchesPerSegment: 2 }).runPartition('sized', 0);
    const segments = await admin.catalog.segments(topic, 0);
    expect(segments).toHaveLength(4);
    const perSegment = segments[0]!.bytes;
    await admin.topics.update('sized', { retentionBytes: perSegment * 2 + 1 });
    const report = await admin.archiver(2 * HOURS).runPartition('sized', 0);
    // Kafka's rule: drop the oldest while what remains still holds retentionBytes (with the hot batch counted).
    expect(report.segmentsDeleted).toBeGreaterThanOrEqual(1);
    const left = await admin.catalog.segments(topic, 0);
    expect(left[0]!.base).toBe(report.startOffset);
    // The dropped segments' objects are gone from S3 too; the kept ones are still there.
    const dropped = segments.filter((s) => s.end <= report.startOffset);
    expect(dropped.length).toBe(report.segmentsDeleted);
    for (const segment of dropped) await expect(admin.blobs.getRange(segment.key, 0, 4)).rejects.toBeDefined();
    expect(Buffer.from(await admin.blobs.getRange(left[0]!.key, 0, 4)).toString()).toBe('TRB1');
    expect((await readAll('sized', report.startOffset)).map(valueOf)).toEqual(Array.from({ length: 45 - report.startOffset }, (_, i) => report.startOffset + i));
  });
});

describe('ArchiveService under failures', () => {
  it.each([
    ['after the segment object is written', 'objects', 'put', 'after'],
    ['before the mark moves', 'catalog', 'commitSegment', 'before'],
    ['after the mark moves, before items are deleted', 'log', 'deleteBatches', 'before'],
  ] as const)('loses and duplicates nothing when a run stops %s', async (_, store, method, point) => {
    const name = `crash-${method}-${point}`;
    await filled(name, 6);
    const crashing = buildEngine(tables.config);
    const switches = { objects: crashing.objectFaults, catalog: crashing.catalogFaults, log: crashing.logFaults };
    switches[store].arm(method, point);
    await expect(crashing.archiver(2 * HOURS).runPartition(name, 0)).rejects.toBeInstanceOf(InjectedFault);
    // Reads are right at the point of the crash ...
    expect((await readAll(name)).map(valueOf)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // ... and after the next run finishes the work.
    const report = await buildEngine(tables.config).archiver(2 * HOURS).runPartition(name, 0);
    expect(report.archivedOffset).toBe(25);
    expect((await readAll(name)).map(valueOf)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const hot = await admin.logStore.forward(streamKey(await admin.topics.get(name), 0), 0, 100, { consistent: true });
    expect(hot.items.map((i) => i.offset)).toEqual([25]);
  });

  it('answers 416 below the new start offset when retention stops before deleting a segment, and finishes on the next run', async () => {
    await filled('retention-crash', 4, { retentionMs: 24 * HOURS }, ANCIENT);
    const crashing = buildEngine(tables.config);
    crashing.catalogFaults.arm('removeSegment', 'before');
    await expect(crashing.archiver(2 * HOURS).runPartition('retention-crash', 0)).rejects.toBeInstanceOf(InjectedFault);
    const topic = await admin.topics.get('retention-crash');
    const state = await admin.catalog.state(topic, 0);
    expect(state.startOffset).toBe(15);
    await expect(readAll('retention-crash', 0)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    await buildEngine(tables.config).archiver(2 * HOURS).runPartition('retention-crash', 0);
    expect(await admin.catalog.segments(topic, 0)).toEqual([]);
    expect((await admin.catalog.state(topic, 0)).startOffset).toBe(20);
  });

  it('loses and duplicates nothing with two archivers running at once', async () => {
    await filled('rivals', 12);
    await Promise.all([
      buildEngine(tables.config).archiver(2 * HOURS, { maxBatchesPerSegment: 3 }).runPartition('rivals', 0),
      buildEngine(tables.config).archiver(2 * HOURS, { maxBatchesPerSegment: 5 }).runPartition('rivals', 0),
    ]);
    const segments = await admin.catalog.segments(await admin.topics.get('rivals'), 0);
    // The catalog is contiguous and non-overlapping up to the mark.
    segments.forEach((s, i) => expect(s.base).toBe(i === 0 ? 0 : segments[i - 1]!.end));
    expect(segments[segments.length - 1]!.end).toBe(55);
    expect((await readAll('rivals')).map(valueOf)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });
});
