/**
 * End to end: one producer and one consumer of one group on a one-partition
 * topic, running at the same time. The consumer long-polls (waitMs 20000)
 * and commits after every poll; a record's latency is from the start of the
 * produce request that carried it to the poll response that delivered it.
 *
 * - `e2e-latency`: small batches (10 records) at a steady pace, the latency
 *   a user of a live stream sees;
 * - `e2e-b500`: batches of 500 as fast as they go, the cost target's
 *   workload (produce + poll + commit per million records).
 */
import { chunk, summarize, type BenchContext, type ScenarioResult } from '../scenario';
import { DEFAULT_SEED, OrderEvents, recordBytes, type BenchRecord } from '../workload';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface EndToEndOptions {
  name: string;
  description: string;
  records: number;
  batch: number;
  /** Pause between produce requests (0: back to back). */
  paceMs: number;
  maxRecords: number;
  seed: number;
}

async function endToEnd(ctx: BenchContext, o: EndToEndOptions): Promise<ScenarioResult> {
  const topic = `bench-${o.name}`;
  await ctx.admin.createTopic(topic, 1);
  const producer = await ctx.clientFor(o.name);
  const consumer = await ctx.clientFor(o.name);
  const batches = chunk(new OrderEvents(o.seed).take(o.records), o.batch);
  const bytes = batches.flat().reduce((n, r) => n + recordBytes(r), 0);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  ctx.progress.start(o.name, o.records);
  // The consumer joins first, from the end of the empty topic, and waits.
  await consumer.poll(o.name, topic, 'c1', o.maxRecords, 0);
  const started = performance.now();
  let received = 0;
  const consuming = (async () => {
    while (received < o.records) {
      const { body } = await consumer.poll(o.name, topic, 'c1', o.maxRecords, 20_000);
      const now = performance.now();
      for (const r of body.records) {
        const sent = sentAt.get((r.value as { eventId: string }).eventId);
        if (sent !== undefined) latencies.push(now - sent);
      }
      received += body.records.length;
      ctx.progress.increment(body.records.length);
      if (body.records.length > 0) await consumer.commitDelivered(o.name, topic, 'c1', body.records);
    }
  })();
  for (const batch of batches as BenchRecord[][]) {
    const at = performance.now();
    for (const r of batch) sentAt.set((r.value as { eventId: string }).eventId, at);
    await producer.produce(topic, batch);
    if (o.paceMs > 0) await sleep(o.paceMs);
  }
  await consuming;
  const seconds = (performance.now() - started) / 1000;
  return summarize(
    o.name,
    o.description,
    'end-to-end',
    2,
    'record',
    { records: received, bytes, seconds, latencies },
    ctx.ledger.usage(o.name),
    { batch: o.batch, maxRecords: o.maxRecords },
  );
}

export async function endToEndScenarios(ctx: BenchContext): Promise<ScenarioResult[]> {
  const q = ctx.quick;
  return [
    await endToEnd(ctx, {
      name: 'e2e-latency',
      description: 'produce 10 per request every 50 ms; one consumer long-polls (waitMs 20000, maxRecords 100) and commits',
      records: q ? 500 : 3000,
      batch: 10,
      paceMs: 50,
      maxRecords: 100,
      seed: DEFAULT_SEED + 4,
    }),
    await endToEnd(ctx, {
      name: 'e2e-b500',
      description: 'produce 500 per request back to back; one consumer long-polls (maxRecords 500) and commits: the cost target',
      records: q ? 5000 : 30_000,
      batch: 500,
      paceMs: 0,
      maxRecords: 500,
      seed: DEFAULT_SEED + 5,
    }),
  ];
}
