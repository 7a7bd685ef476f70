/** Fetch by offset, earliest, latest and timestamp, long polling and range errors, on DynamoDB Local. */
import { OffsetOutOfRangeError, PartitionNotFoundError, TopicNotFoundError } from '../../lambdas/core/errors';
import { createRuntime, type Runtime } from '../../lambdas/runtime';
import { createTestTables } from '../support/backends';

const json = (value: unknown) => ({ json: JSON.stringify(value) });
let runtime: Runtime;

beforeAll(async () => {
  runtime = createRuntime((await createTestTables()).config);
  await runtime.topics.create({ name: 'events', partitions: 2 });
  // Three batches on partition 0: offsets 0-4 (t=1000..1004), 5-9 (t=2000..), 10-14 (t=3000..).
  for (const base of [1000, 2000, 3000]) {
    await runtime.producer.produce(
      'events',
      Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: json(base + i), timestamp: base + i })),
    );
  }
});

const fetch = (position: Parameters<Runtime['fetcher']['fetch']>[0]['position'], limit = 100, waitMs = 0, partition = 0) =>
  runtime.fetcher.fetch({ topic: 'events', partition, position, limit, waitMs });

describe('FetchService', () => {
  it('starts in the middle of a batch and continues across batches', async () => {
    const out = await fetch({ kind: 'offset', offset: 3 }, 6);
    expect(out.records.map((r) => r.offset)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(out.nextOffset).toBe(9);
    expect(out.endOffset).toBe(15);
  });

  it('reads from earliest and reports the end offset', async () => {
    const out = await fetch({ kind: 'earliest' });
    expect(out.records.map((r) => r.offset)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(out).toMatchObject({ nextOffset: 15, endOffset: 15 });
  });

  it('starts at the end for latest and returns nothing until new records come', async () => {
    const out = await fetch({ kind: 'latest' });
    expect(out).toEqual({ records: [], nextOffset: 15, endOffset: 15 });
  });

  it('finds the first record at or after a timestamp', async () => {
    expect((await fetch({ kind: 'timestamp', timestamp: 2003 }, 1)).records[0]?.offset).toBe(8);
    expect((await fetch({ kind: 'timestamp', timestamp: 2500 }, 1)).records[0]?.offset).toBe(10);
    expect((await fetch({ kind: 'timestamp', timestamp: 0 }, 1)).records[0]?.offset).toBe(0);
    expect(await fetch({ kind: 'timestamp', timestamp: 9999 })).toMatchObject({ records: [], nextOffset: 15 });
  });

  it('answers an offset past the end with OFFSET_OUT_OF_RANGE carrying start and end', async () => {
    const error = await fetch({ kind: 'offset', offset: 16 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OffsetOutOfRangeError);
    expect(error).toMatchObject({ startOffset: 0, endOffset: 15, code: 'OFFSET_OUT_OF_RANGE' });
  });

  it('answers an offset past the end of an empty partition with OFFSET_OUT_OF_RANGE', async () => {
    await expect(fetch({ kind: 'offset', offset: 1 }, 10, 0, 1)).rejects.toMatchObject({ startOffset: 0, endOffset: 0 });
  });

  it('rejects unknown topics and partitions', async () => {
    await expect(runtime.fetcher.fetch({ topic: 'nope', partition: 0, position: { kind: 'earliest' }, limit: 1, waitMs: 0 })).rejects.toBeInstanceOf(TopicNotFoundError);
    await expect(fetch({ kind: 'earliest' }, 1, 0, 2)).rejects.toBeInstanceOf(PartitionNotFoundError);
  });

  it('long-polls until a record arrives, then returns at once', async () => {
    await runtime.topics.create({ name: 'tail', partitions: 1 });
    const started = Date.now();
    const waiting = runtime.fetcher.fetch({ topic: 'tail', partition: 0, position: { kind: 'offset', offset: 0 }, limit: 10, waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    await createRuntime(runtime.config).producer.produce('tail', [{ value: json('hello') }]);
    const out = await waiting;
    expect(out.records.map((r) => r.value)).toEqual([json('hello')]);
    expect(Date.now() - started).toBeLessThan(9_000);
  });

  it('returns an empty page when the wait ends with nothing new', async () => {
    const started = Date.now();
    const out = await fetch({ kind: 'offset', offset: 15 }, 10, 400);
    expect(out.records).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
  });
});
