/**
 * describe's `hotBytes` (issue 16 §4): the archiver measures the hot tier at
 * most once an hour (without size retention), so every archive step must
 * keep the figure right by itself: bytes moved to a segment leave `hotBytes`
 * as they join `archivedBytes`, even when the run stops right after the step.
 */
import { buildEngine, InjectedFault, type Engine } from '../support/engine';
import { createTestTables, type TestTables } from '../support/backends';

const MINUTES = 60 * 1000;
let tables: TestTables;
let admin: Engine;

beforeAll(async () => {
  tables = await createTestTables();
  admin = buildEngine(tables.config);
});

const json = (value: unknown) => ({ json: JSON.stringify(value) });
const bytesOf = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => Buffer.byteLength(JSON.stringify(from + i))).reduce((a, b) => a + b, 0);

/** `batches` batches of 5 records (values = offsets) on one partition, archived 10 minutes after appending. */
async function filled(name: string, batches: number, config: Record<string, number> = {}): Promise<void> {
  await admin.topics.create({ name, partitions: 1, archiveAfterMs: 10 * MINUTES, ...config });
  for (let b = 0; b < batches; b++) {
    await admin.producer.produce(name, Array.from({ length: 5 }, (_, i) => ({ value: json(b * 5 + i) })));
  }
}

async function tiers(name: string): Promise<{ hotBytes: number | null; archivedBytes: number; archivedOffset: number }> {
  const { hotBytes, archivedBytes, archivedOffset } = (await admin.topics.describe(name)).partitions[0]!;
  return { hotBytes, archivedBytes, archivedOffset };
}

describe('hotBytes after archiving', () => {
  it('is null before the first measure, then drops by what each archive run moves to S3 without waiting for the hourly re-measure', async () => {
    await filled('hot-runs', 6);
    expect((await tiers('hot-runs')).hotBytes).toBeNull();
    await admin.archiver(0).runPartition('hot-runs', 0); // nothing old enough yet: measures all 30 records
    expect(await tiers('hot-runs')).toEqual({ hotBytes: bytesOf(0, 30), archivedBytes: 0, archivedOffset: 0 });
    // 30 minutes later (within the hour: no re-measure) everything but the newest batch is archived.
    await admin.archiver(30 * MINUTES).runPartition('hot-runs', 0);
    expect(await tiers('hot-runs')).toEqual({ hotBytes: bytesOf(25, 30), archivedBytes: bytesOf(0, 25), archivedOffset: 25 });
  });

  it('stays consistent when a run stops right after committing a segment', async () => {
    await filled('hot-crash', 5);
    await admin.archiver(0).runPartition('hot-crash', 0);
    const crashing = buildEngine(tables.config);
    crashing.catalogFaults.arm('commitSegment', 'after');
    await expect(crashing.archiver(30 * MINUTES, { maxBatchesPerSegment: 2 }).runPartition('hot-crash', 0)).rejects.toBeInstanceOf(
      InjectedFault,
    );
    expect(await tiers('hot-crash')).toEqual({ hotBytes: bytesOf(10, 25), archivedBytes: bytesOf(0, 10), archivedOffset: 10 });
  });

  it('drops the newest batch\'s bytes when retention clears its records', async () => {
    await admin.topics.create({ name: 'hot-expire', partitions: 1, archiveAfterMs: 10 * MINUTES, retentionMs: 20 * MINUTES });
    await admin.producer.produce('hot-expire', [{ value: json(0), timestamp: Date.now() - 60 * MINUTES }]);
    await admin.archiver(0).runPartition('hot-expire', 0); // measures: the record is 1 byte; too young to clear
    expect((await tiers('hot-expire')).hotBytes).toBe(1);
    await admin.archiver(5 * MINUTES).runPartition('hot-expire', 0);
    const described = (await admin.topics.describe('hot-expire')).partitions[0]!;
    expect(described.startOffset).toBe(1);
    expect(described.hotBytes).toBe(0);
  });
});
