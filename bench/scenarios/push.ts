/**
 * Push delivery (`push-b100`): a subscription with batches of 100 on a
 * 4-partition topic, delivering to a node:http receiver on loopback while a
 * producer appends batches of 100. Latency is per record, from the start of
 * the produce request that carried it to its arrival at the receiver.
 *
 * Cost: the stream dispatcher runs in the bench stack's stream poller, woken
 * by DynamoDB Local's stream (as the event source mapping wakes the Lambda
 * on AWS). Each dispatch (one poll round with appends: one Lambda invocation
 * of a batch of stream records) and each sweep that found due retries is
 * metered like a handler invocation (bench/stack.ts): its duration at the
 * dispatcher's memory, its DynamoDB requests and units, its S3 requests.
 * Reading the stream from Lambda is free; the produce side is not counted
 * (it is the produce scenarios' cost), only what delivery adds.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStoreClients } from '../../lambdas/store/clients';
import { DynamoSubscriptionStore } from '../../lambdas/store/subscription-store';
import { chunk, summarize, type BenchContext, type ScenarioResult } from '../scenario';
import { DEFAULT_SEED, OrderEvents, recordBytes, type BenchRecord } from '../workload';

const NAME = 'push-b100';
/** The ledger entry of what the dispatcher does once production has stopped. */
const IDLE = `${NAME}-idle`;

export async function pushScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const records = ctx.quick ? 2000 : 20_000;
  const topic = `bench-${NAME}`;
  await ctx.admin.createTopic(topic, 4);
  const arrivedAt = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const now = performance.now();
      for (const r of (JSON.parse(body) as { records: Array<{ value: { eventId: string } }> }).records) arrivedAt.set(r.value.eventId, now);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  await ctx.admin.call('POST', `/v1/topics/${topic}/subscriptions`, { name: 'bench', target: { type: 'https', url }, maxBatchRecords: 100 });
  ctx.ledger.dispatchScenario = NAME;
  const producer = await ctx.clientFor(`${NAME}-producer`);
  const batches = chunk(new OrderEvents(DEFAULT_SEED + 9).take(records), 100) as BenchRecord[][];
  const bytes = batches.flat().reduce((n, r) => n + recordBytes(r), 0);
  const sentAt = new Map<string, number>();
  ctx.progress.start(NAME, records);
  const started = performance.now();
  const idleSeconds = ctx.quick ? 3 : 10;
  let seconds = 0;
  try {
    for (const batch of batches) {
      const at = performance.now();
      for (const r of batch) sentAt.set((r.value as { eventId: string }).eventId, at);
      await producer.produce(topic, batch);
      ctx.progress.increment(batch.length);
    }
    const deadline = Date.now() + 120_000;
    while (arrivedAt.size < records && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    seconds = (performance.now() - started) / 1000;
    // Idle: nothing is produced; any dispatcher run, or a retry note left (on AWS it keeps the sweep's rule on), would cost.
    ctx.ledger.dispatchScenario = IDLE;
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  } finally {
    ctx.ledger.dispatchScenario = 'other';
    server.close();
  }
  const store = new DynamoSubscriptionStore(createStoreClients(ctx.config).documents, ctx.config.tables.groups as string, undefined);
  const retryNotesLeft = (await store.retryNotes()).length;
  const idleInvocations = ctx.ledger.usage(IDLE).lambdaInvocations;
  const latencies = [...arrivedAt].map(([id, at]) => at - (sentAt.get(id) ?? at));
  return summarize(
    NAME,
    'a subscription (batches of 100) on 4 partitions delivers to a loopback receiver while batches of 100 are produced; cost = the dispatcher (invocations, GB-s, DynamoDB) per record delivered; stream reads $0',
    'consume',
    1,
    'record',
    { records: arrivedAt.size, bytes, seconds, latencies },
    ctx.ledger.usage(NAME),
    { batch: 100, partitions: 4, produced: records, idleSeconds, idleInvocations, retryNotesLeft },
  );
}
