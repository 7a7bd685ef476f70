/**
 * The partitioned log against real DynamoDB Local and the S3 emulator:
 * invariants 1–3 of DESIGN.md under concurrent producers, reads by offset,
 * and the cost of an append in DynamoDB requests and capacity units.
 */
import { randomBytes } from 'node:crypto';
import { metered } from '../../lambdas/observability/capacity-meter';
import { createRuntime, type Runtime } from '../../lambdas/runtime';
import type { ProduceRecord } from '../../lambdas/core/log/produce';
import type { PositionedRecord } from '../../lambdas/core/types';
import { createTestTables, type TestTables } from '../support/backends';
import { UnavailableError } from '../../lambdas/core/errors';

const json = (value: unknown) => ({ json: JSON.stringify(value) });

let tables: TestTables;
let runtime: Runtime;

beforeAll(async () => {
  tables = await createTestTables();
  runtime = createRuntime(tables.config);
});

async function readAll(rt: Runtime, topic: string, partition: number): Promise<PositionedRecord[]> {
  const out: PositionedRecord[] = [];
  let offset = 0;
  for (;;) {
    const page = await rt.fetcher.fetch({ topic, partition, position: { kind: 'offset', offset }, limit: 1000, waitMs: 0 });
    out.push(...page.records);
    if (page.records.length === 0) return out;
    offset = page.nextOffset;
  }
}

describe('PartitionLog', () => {
  it('gives the records of one request consecutive offsets in request order and reads them back intact', async () => {
    await runtime.topics.create({ name: 'roundtrip', partitions: 1 });
    const records: ProduceRecord[] = [
      { key: 'k1', value: json({ a: 1 }), headers: { h: 'v' }, timestamp: 1000 },
      { value: { binary: Uint8Array.from([1, 2, 3]) }, timestamp: 2000 },
      { key: 'k3', value: json(null) },
    ];
    const first = await runtime.producer.produce('roundtrip', records);
    const second = await runtime.producer.produce('roundtrip', [{ value: json('again') }]);
    expect(first.results).toEqual([
      { partition: 0, offset: 0 },
      { partition: 0, offset: 1 },
      { partition: 0, offset: 2 },
    ]);
    expect(second.results).toEqual([{ partition: 0, offset: 3 }]);
    const read = await readAll(runtime, 'roundtrip', 0);
    expect(read.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    expect(read[0]).toMatchObject({ key: 'k1', value: { json: '{"a":1}' }, headers: { h: 'v' }, timestamp: 1000 });
    expect(Buffer.from((read[1]!.value as { binary: Uint8Array }).binary)).toEqual(Buffer.from([1, 2, 3]));
    expect(read[2]!.value).toEqual({ json: 'null' });
    expect(read[2]!.timestamp).toBeGreaterThan(2000);
  });

  it('costs one DynamoDB write and no read for an uncontended produce once the head is cached', async () => {
    await runtime.topics.create({ name: 'cost', partitions: 1 });
    const cold = await metered(() => runtime.producer.produce('cost', [{ value: json({ n: 0 }) }]));
    const warm = await metered(() =>
      runtime.producer.produce('cost', Array.from({ length: 100 }, (_, n) => ({ key: `c-${n % 7}`, value: json({ n, text: 'order event' }) }))),
    );
    const fetch = await metered(() =>
      runtime.fetcher.fetch({ topic: 'cost', partition: 0, position: { kind: 'offset', offset: 1 }, limit: 100, waitMs: 0 }),
    );
    const usage = { cold: cold.meter.snapshot(), warm: warm.meter.snapshot(), fetch: fetch.meter.snapshot() };
    // Shown in the test log: what one produce and one fetch cost.
    console.log(JSON.stringify(usage, null, 1));
    expect(usage.warm.dynamodbRequests).toBe(1);
    expect(usage.warm.dynamodbByOperation).toEqual({ PutItem: 1 });
    expect(usage.warm.readCapacityUnits).toBe(0);
    expect(usage.warm.writeCapacityUnits).toBeGreaterThanOrEqual(1);
    expect(usage.warm.writeCapacityUnits).toBeLessThanOrEqual(3);
    expect(usage.cold.dynamodbByOperation).toEqual({ GetItem: 1, Query: 1, PutItem: 1 });
    expect(fetch.result.records).toHaveLength(100);
    expect(usage.fetch.writeCapacityUnits).toBe(0);
    expect(usage.fetch.readCapacityUnits).toBeGreaterThan(0);
  });

  it('keeps offsets contiguous, unique and per-request consecutive with 12 producers on one partition (invariants 1–3)', async () => {
    await runtime.topics.create({ name: 'contended', partitions: 1 });
    // Each producer is its own runtime: its own head cache, like separate Lambda containers.
    const producers = Array.from({ length: 12 }, () => createRuntime(tables.config));
    const acked: Array<{ producer: number; request: number; offsets: number[]; size: number }> = [];
    await Promise.all(
      producers.map(async (rt, producer) => {
        for (let request = 0; request < 15; request++) {
          const size = 1 + ((producer + request) % 4);
          const records = Array.from({ length: size }, (_, i) => ({
            value: json({ producer, request, i }),
            partition: 0,
          }));
          // A 503 (UNAVAILABLE: contention) wrote nothing and is safe to retry, as clients do;
          // on a loaded machine 12 writers can exceed the engine's 10 s of hops.
          const { results } = await retryingUnavailable(() => rt.producer.produce('contended', records));
          acked.push({ producer, request, size, offsets: results.map((r) => r.offset) });
        }
      }),
    );
    const total = acked.reduce((n, a) => n + a.size, 0);
    const read = await readAll(runtime, 'contended', 0);
    // Invariant 1: offsets 0..total-1, each exactly once.
    expect(read.map((r) => r.offset)).toEqual(Array.from({ length: total }, (_, i) => i));
    // Invariant 2: every acknowledged record is there, with its own content.
    for (const a of acked) {
      a.offsets.forEach((offset, i) => {
        expect(JSON.parse((read[offset]!.value as { json: string }).json)).toEqual({ producer: a.producer, request: a.request, i });
      });
      // Invariant 3: one request's records are consecutive and in order.
      expect(a.offsets).toEqual(Array.from({ length: a.size }, (_, i) => a.offsets[0]! + i));
    }
  });

  it('spreads keyed records by murmur2 and writes one batch per partition touched', async () => {
    await runtime.topics.create({ name: 'keyed', partitions: 4 });
    const records = Array.from({ length: 40 }, (_, i) => ({ key: `user-${i % 8}`, value: json(i) }));
    const { result, meter } = await metered(() => runtime.producer.produce('keyed', records));
    const partitions = new Set(result.results.map((r) => r.partition));
    expect(meter.snapshot().dynamodbByOperation.PutItem).toBe(partitions.size);
    const byKey = new Map<string, number>();
    result.results.forEach((r, i) => {
      const key = records[i]!.key;
      expect(byKey.get(key) ?? r.partition).toBe(r.partition);
      byKey.set(key, r.partition);
    });
  });

  it('stores a 1 MiB record and a 6 MB request through S3 pointers and reads them back', async () => {
    await runtime.topics.create({ name: 'large', partitions: 1 });
    const big = randomBytes(1024 * 1024 - 16);
    const one = await metered(() => runtime.producer.produce('large', [{ key: 'big', value: { binary: big } }]));
    expect(one.meter.snapshot().s3ByOperation.PutObject).toBe(1);
    const values = Array.from({ length: 500 }, () => randomBytes(11_500));
    const many = values.map((binary) => ({ value: { binary } }));
    const spilled = await metered(() => runtime.producer.produce('large', many));
    expect(spilled.meter.snapshot().s3ByOperation.PutObject).toBe(1);
    const batch = spilled.result;
    expect(batch.results[499]).toEqual({ partition: 0, offset: 500 });
    const first = await runtime.fetcher.fetch({ topic: 'large', partition: 0, position: { kind: 'offset', offset: 0 }, limit: 1, waitMs: 0 });
    expect(Buffer.from((first.records[0]!.value as { binary: Uint8Array }).binary).equals(Buffer.from(big))).toBe(true);
    const all = await readAll(runtime, 'large', 0);
    expect(all).toHaveLength(501);
    expect(Buffer.from((all[250]!.value as { binary: Uint8Array }).binary).equals(Buffer.from(values[249]!))).toBe(true);
  });
});

/** Retries a call that fails with UNAVAILABLE (safe to retry), up to 10 times. */
async function retryingUnavailable<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof UnavailableError) || attempt >= 10) throw error;
    }
  }
}

