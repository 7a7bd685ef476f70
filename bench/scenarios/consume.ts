/**
 * Consume scenarios over data produced earlier in the run: fetch by offset
 * and a group poll (+ commit) of the batch-100 topic, 100 records per call;
 * and a consumer group of 4 over 8 partitions filled with keyed batches.
 */
import type { Delivered } from '../client';
import { summarize, type BenchContext, type ScenarioResult } from '../scenario';
import { DEFAULT_SEED } from '../workload';
import { produceScenario } from './produce';

/** Record bytes of what was delivered (key + value JSON), as the workload counts them. */
function deliveredBytes(records: readonly Delivered[]): number {
  return records.reduce((n, r) => n + Buffer.byteLength(r.key ?? '') + Buffer.byteLength(JSON.stringify(r.value)), 0);
}

export async function fetchScenario(ctx: BenchContext, topic: string, total: number): Promise<ScenarioResult> {
  const name = 'fetch-l100';
  const client = await ctx.clientFor(name);
  const latencies: number[] = [];
  let offset = 0;
  let bytes = 0;
  ctx.progress.start(name, total);
  const started = performance.now();
  while (offset < total) {
    const { body, ms } = await client.fetchRecords(topic, 0, offset, 100);
    latencies.push(ms);
    if (body.records.length === 0) throw new Error(`fetch at ${offset} returned nothing (end ${body.endOffset})`);
    bytes += deliveredBytes(body.records);
    offset = body.nextOffset;
    ctx.progress.increment(body.records.length);
  }
  const seconds = (performance.now() - started) / 1000;
  return summarize(
    name,
    'fetch by offset, limit 100, the batch-100 topic front to back',
    'consume',
    1,
    'request',
    { records: offset, bytes, seconds, latencies },
    ctx.ledger.usage(name),
  );
}

export async function pollScenario(ctx: BenchContext, topic: string, total: number): Promise<ScenarioResult> {
  const name = 'poll-m100';
  const client = await ctx.clientFor(name);
  const latencies: number[] = [];
  let received = 0;
  let bytes = 0;
  ctx.progress.start(name, total);
  const started = performance.now();
  while (received < total) {
    const { body, ms } = await client.poll('bench-poll', topic, 'c1', 100);
    latencies.push(ms);
    if (body.records.length === 0) throw new Error(`poll returned nothing after ${received} records`);
    received += body.records.length;
    bytes += deliveredBytes(body.records);
    await client.commitDelivered('bench-poll', topic, 'c1', body.records);
    ctx.progress.increment(body.records.length);
  }
  const seconds = (performance.now() - started) / 1000;
  return summarize(
    name,
    'group poll, maxRecords 100, + commit after each poll, one consumer, the batch-100 topic',
    'consume',
    1,
    'request',
    { records: received, bytes, seconds, latencies },
    ctx.ledger.usage(name),
    { pollLatencyIsPollOnly: true },
  );
}

export async function groupScenarios(ctx: BenchContext): Promise<ScenarioResult[]> {
  const topic = 'bench-group8';
  const total = ctx.quick ? 5000 : 24_000;
  const produced = await produceScenario(ctx, {
    name: 'produce-b500-keyed8',
    description: 'produce, 500 keyed records per request spread over 8 partitions by key (fills the group topic)',
    topic,
    partitions: 8,
    records: total,
    batch: 500,
    concurrency: 1,
    seed: DEFAULT_SEED + 3,
  });
  const name = 'group-4x8';
  const consumers = await Promise.all([0, 1, 2, 3].map(() => ctx.clientFor(name)));
  const latencies: number[] = [];
  let received = 0;
  let bytes = 0;
  const seen = new Set<string>();
  ctx.progress.start(name, total);
  const started = performance.now();
  const deadline = Date.now() + 120_000;
  await Promise.all(
    consumers.map(async (client, i) => {
      const id = `consumer-${i}`;
      while (received < total && Date.now() < deadline) {
        const { body, ms } = await client.poll('bench-group', topic, id, 100, 1000);
        latencies.push(ms);
        for (const r of body.records) {
          const k = `${r.partition}:${r.offset}`;
          if (seen.has(k)) continue; // redelivered after a lease moved: counted once
          seen.add(k);
          received += 1;
          bytes += deliveredBytes([r]);
          ctx.progress.increment(1);
        }
        if (body.records.length > 0) await client.commitDelivered('bench-group', topic, id, body.records);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return [
    produced,
    summarize(
      name,
      'consumer group of 4 over 8 partitions, poll maxRecords 100 (waitMs 1000) + commit, until every record is delivered',
      'consume',
      4,
      'request',
      { records: received, bytes, seconds, latencies },
      ctx.ledger.usage(name),
    ),
  ];
}
