/**
 * Produce scenarios: the standard workload at batch sizes 1, 10, 100 and 500
 * to a one-partition topic (the per-partition figures Kafka users compare),
 * one request at a time; 8 producers in parallel on 8 partitions (the local
 * produce path's throughput, compared with raw PutItem); 8 producers
 * contending on one partition; and keyed batches of 500 spread over 8
 * partitions by the partitioner (which also fills the consumer-group
 * scenario's topic).
 */
import { chunk, summarize, type BenchContext, type ScenarioResult } from '../scenario';
import { DEFAULT_SEED, OrderEvents, recordBytes, type BenchRecord } from '../workload';

export interface ProduceOptions {
  name: string;
  description: string;
  topic: string;
  partitions: number;
  records: number;
  batch: number;
  concurrency: number;
  /** Worker i writes to partition i % partitions (explicit partitions; no contention between workers). */
  explicitPartitions?: boolean;
  seed?: number;
}

export async function produceScenario(ctx: BenchContext, o: ProduceOptions): Promise<ScenarioResult> {
  await ctx.admin.createTopic(o.topic, o.partitions);
  const client = await ctx.clientFor(o.name);
  const batches: BenchRecord[][] = chunk(new OrderEvents(o.seed ?? DEFAULT_SEED).take(o.records), o.batch);
  const bytes = batches.flat().reduce((n, r) => n + recordBytes(r), 0);
  const latencies: number[] = [];
  ctx.progress.start(o.name, o.records);
  const started = performance.now();
  let worker = 0;
  const workers = Array.from({ length: o.concurrency }, () => worker++);
  let next = 0;
  await Promise.all(
    workers.map(async (w) => {
      while (next < batches.length) {
        const batch = batches[next++] as BenchRecord[];
        const records = o.explicitPartitions ? batch.map((r) => ({ ...r, partition: w % o.partitions })) : batch;
        const { ms } = await client.produce(o.topic, records);
        latencies.push(ms);
        ctx.progress.increment(batch.length);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return summarize(
    o.name,
    o.description,
    'produce',
    o.concurrency,
    'request',
    { records: o.records, bytes, seconds, latencies },
    ctx.ledger.usage(o.name),
    { batch: o.batch, partitions: o.partitions },
  );
}

export async function produceScenarios(ctx: BenchContext): Promise<ScenarioResult[]> {
  const q = ctx.quick;
  const out: ScenarioResult[] = [];
  for (const [batch, records] of [
    [1, q ? 200 : 1500],
    [10, q ? 1000 : 8000],
    [100, q ? 4000 : 30_000],
    [500, q ? 5000 : 30_000],
  ] as const) {
    out.push(
      await produceScenario(ctx, {
        name: `produce-b${batch}`,
        description: `produce, ${batch} record(s) per request, 1 partition, 1 request at a time`,
        topic: `bench-produce-b${batch}`,
        partitions: 1,
        records,
        batch,
        concurrency: 1,
      }),
    );
  }
  out.push(
    await produceScenario(ctx, {
      name: 'produce-b100-par8',
      description: 'produce, 100 per request, 8 producers in parallel, each on its own partition of 8 (throughput)',
      topic: 'bench-produce-par8',
      partitions: 8,
      records: q ? 8000 : 40_000,
      batch: 100,
      concurrency: 8,
      explicitPartitions: true,
      seed: DEFAULT_SEED + 1,
    }),
  );
  out.push(
    await produceScenario(ctx, {
      name: 'contended-8p1',
      description: 'produce, 100 per request, 8 producers contending on 1 partition',
      topic: 'bench-contended',
      partitions: 1,
      records: q ? 4000 : 16_000,
      batch: 100,
      concurrency: 8,
      seed: DEFAULT_SEED + 2,
    }),
  );
  return out;
}
