/**
 * Share groups (a work queue with per-record locks and acks):
 *
 * - `share-8c-2p`: 8 consumers of one share group on a 2-partition topic
 *   filled beforehand; each receives 100 records and accepts them in one
 *   ack, until the topic is drained. Per-record DynamoDB cost must not grow
 *   with the number of consumers (each receive and each ack is one
 *   conditional write of a small state item; a lost race costs a re-read).
 * - `share-e2e-b500`: one producer (500 per request, back to back) and one
 *   consumer that long-polls a receive of 500 and accepts them in one ack,
 *   at the same time, on a one-partition topic: the cost target's workload
 *   for the work-queue model (SQS standard, batched by 10, as the comparison).
 */
import { ApiError, type BenchClient, type Delivered } from '../client';
import { chunk, pool, summarize, type BenchContext, type ScenarioResult } from '../scenario';
import { DEFAULT_SEED, OrderEvents, recordBytes, type BenchRecord } from '../workload';

interface Acquired extends Delivered {
  lockToken: string;
  deliveryAttempt: number;
}

function receive(client: BenchClient, group: string, topic: string, maxRecords: number, waitMs: number, consumerId: string) {
  return client.call<{ records: Acquired[] }>('POST', `/v1/share-groups/${group}/receive`, {
    topic,
    consumerId,
    maxRecords,
    waitMs,
    autoOffsetReset: 'earliest',
  });
}

function acceptAll(client: BenchClient, group: string, topic: string, records: readonly Acquired[]) {
  const acks = records.map((r) => ({ partition: r.partition, offset: r.offset, lockToken: r.lockToken, type: 'accept' }));
  return client.call<{ results: Array<{ status: string }> }>('POST', `/v1/share-groups/${group}/ack`, { topic, acks });
}

const deliveredBytes = (records: readonly Delivered[]) =>
  records.reduce((n, r) => n + Buffer.byteLength(r.key ?? '') + Buffer.byteLength(JSON.stringify(r.value)), 0);

async function manyConsumers(ctx: BenchContext): Promise<ScenarioResult> {
  const name = 'share-8c-2p';
  const topic = `bench-${name}`;
  const total = ctx.quick ? 4000 : 20_000;
  const consumers = 8;
  await ctx.admin.createTopic(topic, 2);
  const records = new OrderEvents(DEFAULT_SEED + 7).take(total);
  // Filled by the setup client (not counted), 500 per request, alternating partitions.
  await pool(Math.ceil(total / 500), 2, async (i) => {
    await ctx.admin.produce(topic, records.slice(i * 500, (i + 1) * 500).map((r) => ({ ...r, partition: i % 2 })));
  });
  const clients = await Promise.all(Array.from({ length: consumers }, () => ctx.clientFor(name)));
  const latencies: number[] = [];
  let accepted = 0;
  let bytes = 0;
  let lockLost = 0;
  let idleReceives = 0;
  let unavailable = 0;
  ctx.progress.start(name, total);
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, i) => {
      while (accepted < total) {
        let answer: Awaited<ReturnType<typeof receive>>;
        try {
          answer = await receive(client, name, topic, 100, 0, `c${i}`);
        } catch (error) {
          // 503: every write of the receive lost a race; safe to retry, as the client SDK does.
          if (!(error instanceof ApiError) || error.status !== 503) throw error;
          unavailable += 1;
          await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
          continue;
        }
        const { body, ms } = answer;
        latencies.push(ms);
        if (body.records.length === 0) {
          idleReceives += 1;
          continue;
        }
        const { body: acked, ms: ackMs } = await acceptAll(client, name, topic, body.records);
        latencies.push(ackMs);
        const ok = acked.results.filter((r) => r.status === 'accepted').length;
        lockLost += acked.results.length - ok;
        accepted += ok;
        bytes += deliveredBytes(body.records);
        ctx.progress.increment(ok);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return summarize(name, `${consumers} consumers of one share group on 2 partitions: receive 100, accept 100 in one ack`, 'consume', consumers, 'request', { records: accepted, bytes, seconds, latencies }, ctx.ledger.usage(name), {
    consumers,
    partitions: 2,
    maxRecords: 100,
    lockLost,
    emptyReceives: idleReceives,
    unavailableReceives: unavailable,
  });
}

async function endToEnd(ctx: BenchContext): Promise<ScenarioResult> {
  const name = 'share-e2e-b500';
  const topic = `bench-${name}`;
  const total = ctx.quick ? 5000 : 30_000;
  await ctx.admin.createTopic(topic, 1);
  const producer = await ctx.clientFor(name);
  const consumer = await ctx.clientFor(name);
  const batches = chunk(new OrderEvents(DEFAULT_SEED + 8).take(total), 500);
  const bytes = batches.flat().reduce((n, r) => n + recordBytes(r), 0);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  ctx.progress.start(name, total);
  // The group's first receive, from the end of the empty topic.
  await receive(consumer, name, topic, 500, 0, 'c1');
  const started = performance.now();
  let received = 0;
  const consuming = (async () => {
    while (received < total) {
      const { body } = await receive(consumer, name, topic, 500, 20_000, 'c1');
      const now = performance.now();
      for (const r of body.records) {
        const sent = sentAt.get((r.value as { eventId: string }).eventId);
        if (sent !== undefined) latencies.push(now - sent);
      }
      if (body.records.length > 0) await acceptAll(consumer, name, topic, body.records);
      received += body.records.length;
      ctx.progress.increment(body.records.length);
    }
  })();
  for (const batch of batches as BenchRecord[][]) {
    const at = performance.now();
    for (const r of batch) sentAt.set((r.value as { eventId: string }).eventId, at);
    await producer.produce(topic, batch);
  }
  await consuming;
  const seconds = (performance.now() - started) / 1000;
  return summarize(
    name,
    'produce 500 per request back to back; one share consumer long-polls receive (maxRecords 500) and accepts each batch in one ack: the cost target',
    'end-to-end',
    2,
    'record',
    { records: received, bytes, seconds, latencies },
    ctx.ledger.usage(name),
    { batch: 500, maxRecords: 500 },
  );
}

export async function shareScenarios(ctx: BenchContext): Promise<ScenarioResult[]> {
  return [await manyConsumers(ctx), await endToEnd(ctx)];
}
