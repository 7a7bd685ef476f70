/**
 * Producer linger batching (issue 16 §1): N async callers, each calling the
 * client's `producer.send()` with one record at a time, with linger 5 ms
 * (the default) and off (0). API Gateway bills a request the same whatever
 * it carries, so the requests per record set most of the cost at small
 * batches. Reported: records/s, API requests per record, $ per million, and
 * the latency of one `send()` (which includes the linger).
 */
import { TributaryClient } from '@tributary/client';
import { SCENARIO_HEADER } from '../ledger';
import { summarize, type BenchContext, type ScenarioResult } from '../scenario';
import { DEFAULT_SEED, OrderEvents, recordBytes } from '../workload';

export interface LingerOptions {
  name: string;
  lingerMs: number;
  callers: number;
  records: number;
  partitions: number;
}

export async function lingerScenario(ctx: BenchContext, o: LingerOptions): Promise<ScenarioResult> {
  const topic = `bench-${o.name}`;
  await ctx.admin.createTopic(topic, o.partitions);
  const bench = await ctx.clientFor(o.name);
  // The typed client, its requests tagged with the scenario for the ledger.
  const client = new TributaryClient({
    url: bench.url,
    token: bench.token,
    // Without linger, many callers contend for the same partitions: let their retries (billed requests too) see it through.
    retry: { maxRetries: 20 },
    fetch: (url, init) => fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), [SCENARIO_HEADER]: o.name } }),
  });
  const producer = client.producer({ lingerMs: o.lingerMs });
  const records = new OrderEvents(DEFAULT_SEED + 7).take(o.records);
  const bytes = records.reduce((n, r) => n + recordBytes(r), 0);
  const latencies: number[] = [];
  ctx.progress.start(o.name, o.records);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: o.callers }, async () => {
      while (next < records.length) {
        const record = records[next++]!;
        const sent = performance.now();
        await producer.send({ topic, records: [record] });
        latencies.push(performance.now() - sent);
        ctx.progress.increment(1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return summarize(
    o.name,
    `produce, ${o.callers} async callers each sending 1 record per send(), linger ${o.lingerMs === 0 ? 'off' : `${o.lingerMs} ms`}, ${o.partitions} partitions`,
    'produce',
    o.callers,
    'request',
    { records: o.records, bytes, seconds, latencies },
    ctx.ledger.usage(o.name),
    { lingerMs: o.lingerMs, callers: o.callers, partitions: o.partitions },
  );
}

/** `producer-linger-on` (5 ms) and `producer-linger-off` (0) on the same workload. */
export async function lingerScenarios(ctx: BenchContext): Promise<ScenarioResult[]> {
  const records = ctx.quick ? 2000 : 10_000;
  const common = { callers: 32, records, partitions: 8 };
  return [
    await lingerScenario(ctx, { name: 'producer-linger-on', lingerMs: 5, ...common }),
    await lingerScenario(ctx, { name: 'producer-linger-off', lingerMs: 0, ...common }),
  ];
}
