/**
 * The cost targets of issue #6 as machine-independent assertions: DynamoDB
 * requests and capacity units per operation, with the bench's standard
 * workload (bench/workload.ts), against DynamoDB Local and s3rver. Wall time
 * is never asserted here; the benchmark (`npm run bench`) reports it.
 *
 * Units come from the capacity meter, which corrects DynamoDB Local where it
 * under-reports (multi-item transactions, reads that find nothing) by
 * DynamoDB's published rules; those corrections are tested here too.
 */
import { metered } from '../../lambdas/observability/capacity-meter';
import { minimumUnits, transactionWriteUnits } from '../../lambdas/store/item-size';
import { createRuntime, type Runtime } from '../../lambdas/runtime';
import type { ProduceRecord } from '../../lambdas/core/log/produce';
import { encodeBatch } from '../../lambdas/core/log/record-batch';
import { OrderEvents } from '../../bench/workload';
import { createTestTables, type TestTables } from '../support/backends';
import { buildEngine, type Engine } from '../support/engine';

let tables: TestTables;
let runtime: Runtime;

beforeAll(async () => {
  tables = await createTestTables();
  runtime = createRuntime(tables.config);
});

function standardRecords(n: number, seed: number): ProduceRecord[] {
  return new OrderEvents(seed).take(n).map((r) => ({ key: r.key, value: { json: JSON.stringify(r.value) } }));
}

const poll = (rt: Runtime, topic: string, maxRecords = 100, waitMs = 0) =>
  rt.groups.poll({ group: 'g', topic, consumerId: 'c1', maxRecords, waitMs, sessionTimeoutMs: 30_000, autoOffsetReset: 'earliest' });

describe('cost per operation (issue #6 targets)', () => {
  it('produces a warm batch of 100 standard records with 1 DynamoDB request, 0 reads and at most 0.15 WRU per record', async () => {
    await runtime.topics.create({ name: 'cost-produce', partitions: 1 });
    await runtime.producer.produce('cost-produce', standardRecords(100, 1)); // cold: reads the topic and the head
    for (let i = 0; i < 3; i++) {
      const { meter } = await metered(() => runtime.producer.produce('cost-produce', standardRecords(100, 10 + i)));
      const usage = meter.snapshot();
      expect(usage.dynamodbByOperation).toEqual({ PutItem: 1 });
      expect(usage.readCapacityUnits).toBe(0);
      expect(usage.writeCapacityUnits / 100).toBeLessThanOrEqual(0.15);
      // About 100 KB of order events compress to ~16 KB: over the inline limit, so one S3 PUT and a pointer item.
      expect(usage.s3ByOperation).toEqual({ PutObject: 1 });
    }
  });

  it('produces a warm keyed batch (Idempotency-Key) with a claim and one two-item transaction: 2 requests, 0 reads, 5 WCU', async () => {
    await runtime.topics.create({ name: 'cost-keyed', partitions: 1 });
    await runtime.producer.produce('cost-keyed', standardRecords(100, 50)); // cold: reads the topic and the head
    for (let i = 0; i < 3; i++) {
      const records = standardRecords(100, 60 + i);
      const keyed = { idempotencyKey: `cost-${i}`, fingerprint: JSON.stringify(records) };
      const { meter } = await metered(() => runtime.producer.produce('cost-keyed', records, keyed));
      const usage = meter.snapshot();
      expect(usage.dynamodbByOperation).toEqual({ PutItem: 1, TransactWriteItems: 1 });
      expect(usage.readCapacityUnits).toBe(0);
      // The claim (1) + the batch's pointer item and the log item, 2 each in a transaction.
      expect(usage.writeCapacityUnits).toBe(5);
      expect(usage.s3ByOperation).toEqual({ PutObject: 1 });
      // A retry writes nothing new: the claim and one cancelled transaction, no S3 object left behind.
      const retry = await metered(() => runtime.producer.produce('cost-keyed', records, keyed));
      expect(retry.meter.snapshot().dynamodbByOperation).toEqual({ PutItem: 1, TransactWriteItems: 1 });
      expect(retry.meter.snapshot().s3ByOperation).toEqual({ PutObject: 1, DeleteObjects: 1 });
    }
  });

  it('polls a group at maxRecords 100 for at most 0.05 RRU per record', async () => {
    await runtime.topics.create({ name: 'cost-poll', partitions: 1 });
    for (let i = 0; i < 5; i++) await runtime.producer.produce('cost-poll', standardRecords(100, 20 + i));
    const first = await poll(runtime, 'cost-poll'); // joins the group (a rebalance transaction)
    expect(first.records).toHaveLength(100);
    await runtime.groups.commit('g', 'cost-poll', 'c1', [{ partition: 0, offset: 100 }]);
    for (let offset = 100; offset < 500; offset += 100) {
      const { result, meter } = await metered(() => poll(runtime, 'cost-poll'));
      const usage = meter.snapshot();
      expect(result.records.map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => offset + i));
      expect(usage.readCapacityUnits / result.records.length).toBeLessThanOrEqual(0.05);
      // Heartbeat, committed offsets, one Query for the one batch needed (not ten), its S3 object,
      // and the partition's delivered-up-to mark (poison-record detection: one small write per
      // poll that hands out new records, none for an empty poll or a redelivery).
      expect(usage.dynamodbByOperation).toEqual({ UpdateItem: 2, BatchGetItem: 1, Query: 1 });
      expect(usage.writeCapacityUnits).toBe(2);
      expect(usage.s3ByOperation).toEqual({ GetObject: 1 });
      await runtime.groups.commit('g', 'cost-poll', 'c1', [{ partition: 0, offset: offset + 100 }]);
    }
  });

  it('costs 4 DynamoDB requests (2 Queries per held partition) for an empty poll at the tail', async () => {
    await runtime.topics.create({ name: 'cost-tail', partitions: 1 });
    await runtime.producer.produce('cost-tail', standardRecords(3, 30));
    await poll(runtime, 'cost-tail');
    await runtime.groups.commit('g', 'cost-tail', 'c1', [{ partition: 0, offset: 3 }]);
    const { result, meter } = await metered(() => poll(runtime, 'cost-tail'));
    const usage = meter.snapshot();
    expect(result.records).toEqual([]);
    expect(usage.dynamodbByOperation).toEqual({ UpdateItem: 1, BatchGetItem: 1, Query: 2 });
    // 1 (strongly consistent group state) + 0.5 + 0.5 (two eventually consistent Queries, one empty).
    expect(usage.readCapacityUnits).toBe(2);
    expect(usage.writeCapacityUnits).toBe(1);
  });

  it('fetches 100 records of 100-record batches with one Query, and learns the end offset at the tail for free', async () => {
    await runtime.topics.create({ name: 'cost-fetch', partitions: 1 });
    for (let i = 0; i < 3; i++) await runtime.producer.produce('cost-fetch', standardRecords(100, 40 + i));
    const fetch = (offset: number) =>
      runtime.fetcher.fetch({ topic: 'cost-fetch', partition: 0, position: { kind: 'offset', offset }, limit: 100, waitMs: 0 });
    await fetch(0); // learns the batch size of the stream
    const tail = await metered(() => fetch(200));
    expect(tail.result).toMatchObject({ nextOffset: 300, endOffset: 300 });
    expect(tail.result.records).toHaveLength(100);
    expect(tail.meter.snapshot().dynamodbByOperation).toEqual({ Query: 1 });
    expect(tail.meter.snapshot().s3ByOperation).toEqual({ GetObject: 1 });
  });
});

describe('reading with eventually consistent queries', () => {
  let engine: Engine;
  beforeAll(() => {
    engine = buildEngine(tables.config);
  });

  it('stops at a gap (a later batch visible before an earlier one) instead of skipping records', async () => {
    const topic = await engine.topics.create({ name: 'gap', partitions: 1 });
    await engine.producer.produce('gap', standardRecords(10, 50)); // offsets 0-9
    // As an eventually consistent read may see it: the batch at 20 is there, the one at 10 not yet.
    await engine.logStore.putBatch(`gap#${topic.topicId}#0`, {
      offset: 20,
      count: 5,
      maxTimestamp: 1,
      bytes: 1,
      appendedAt: Date.now(),
      blob: encodeBatch(Array.from({ length: 5 }, (_, i) => ({ key: undefined, value: { json: String(i) }, headers: {}, timestamp: 1 }))),
    });
    const read = await engine.fetcher.fetch({ topic: 'gap', partition: 0, position: { kind: 'offset', offset: 0 }, limit: 100, waitMs: 0 });
    expect(read.records.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(read.nextOffset).toBe(10);
    const atGap = await engine.fetcher.fetch({ topic: 'gap', partition: 0, position: { kind: 'offset', offset: 10 }, limit: 100, waitMs: 0 });
    expect(atGap.records).toEqual([]);
    expect(atGap.nextOffset).toBe(10);
  });
});

describe('capacity DynamoDB Local under-reports, computed by DynamoDB rules', () => {
  it('charges a multi-item transaction 2 WCU per started KB of each item', () => {
    const small = { Put: { TableName: 't', Item: { pk: { S: 'a' }, v: { N: '1' } } } };
    const big = { Put: { TableName: 't', Item: { pk: { S: 'b' }, data: { B: new Uint8Array(1500) } } } };
    const update = { Update: { TableName: 't', Key: { pk: { S: 'c' } }, ExpressionAttributeValues: { ':v': { N: '2' } } } };
    expect(transactionWriteUnits({ TransactItems: [small, big, update] })).toBe(2 + 4 + 2);
    expect(minimumUnits('TransactWriteItems', { TransactItems: [small] })).toBeUndefined();
  });

  it('charges an empty read the minimum: 0.5 per eventually consistent Query, 1 per strongly consistent key', () => {
    expect(minimumUnits('Query', { ConsistentRead: false })).toEqual({ read: 0.5 });
    expect(minimumUnits('Query', { ConsistentRead: true })).toEqual({ read: 1 });
    expect(minimumUnits('BatchGetItem', { RequestItems: { t: { Keys: [{}, {}, {}], ConsistentRead: true } } })).toEqual({ read: 3 });
    expect(minimumUnits('PutItem', {})).toBeUndefined();
  });

  it('meters a group rebalance transaction with computed units', async () => {
    await runtime.topics.create({ name: 'cost-tx', partitions: 2 });
    const { meter } = await metered(() => poll(runtime, 'cost-tx'));
    const usage = meter.snapshot();
    expect(usage.dynamodbByOperation.TransactWriteItems).toBe(1);
    // Members item + 2 partition items, each under 1 KB: 3 × 2 WCU, plus the 1-WCU heartbeat,
    // plus (first poll of the group on the topic only) the topic's group-index item and its mark: 2 × 1 WCU.
    expect(usage.writeCapacityUnits).toBe(9);
    expect(usage.dynamodbByOperation.PutItem).toBe(1);
    expect(usage.computedRequests).toBeGreaterThanOrEqual(1);
  });

  it('writes the group index only on the first poll: a later poll pays the 1-WCU heartbeat', async () => {
    await runtime.topics.create({ name: 'cost-index', partitions: 1 });
    await poll(runtime, 'cost-index');
    const { meter } = await metered(() => poll(runtime, 'cost-index'));
    expect(meter.snapshot().writeCapacityUnits).toBe(1);
    expect(meter.snapshot().dynamodbByOperation.PutItem).toBeUndefined();
  });
});
