/**
 * Baselines in the same run, against the same DynamoDB Local, so results are
 * ratios that survive a noisy machine:
 *
 * - `naive-item-per-record`: the design Tributary avoids, one DynamoDB item
 *   per record (key, value JSON, timestamp), written by the bench with
 *   PutItem, 16 in flight, and read back with Queries of 100 items. It is a
 *   lower bound for that design: a real one also needs offsets (a counter
 *   or conditional writes), which only add to it.
 * - `raw-putitem-batch100`: PutItem of exactly the items the engine stores
 *   for batches of 100 (the same encoded, compressed bytes), 8 in flight, no
 *   HTTP, no JSON parsing, no compression: DynamoDB Local's ceiling for the
 *   produce path's own writes.
 *
 * "Raw DynamoDB Local PutItem throughput for the same bytes" is the first
 * (the same record bytes, written the plain way); the second is the stricter
 * comparison. Both are reported.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { encodeBatch } from '../lambdas/core/log/record-batch';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/emulators';
import { Usage } from './ledger';
import { chunk, summarize, type BenchContext, type ScenarioResult } from './scenario';
import { DEFAULT_SEED, OrderEvents, recordBytes } from './workload';

async function createTable(ddb: DynamoDBClient, name: string): Promise<void> {
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'stream', AttributeType: 'S' },
        { AttributeName: 'offset', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'stream', KeyType: 'HASH' },
        { AttributeName: 'offset', KeyType: 'RANGE' },
      ],
    }),
  );
}

async function timedPuts(
  ddb: DynamoDBClient,
  items: Array<Record<string, AttributeValue>>,
  table: string,
  concurrency: number,
  usage: Usage,
  onDone: (i: number) => void,
): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        const t = performance.now();
        const out = await ddb.send(new PutItemCommand({ TableName: table, Item: items[i], ReturnConsumedCapacity: 'TOTAL' }));
        latencies.push(performance.now() - t);
        usage.ddbRequests += 1;
        usage.wru += out.ConsumedCapacity?.CapacityUnits ?? 0;
        onDone(i);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencies };
}

export async function baselineScenarios(ctx: BenchContext, endpoint: string): Promise<ScenarioResult[]> {
  const ddb = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint, maxAttempts: 5 });
  try {
    // The same records as produce-b100 (same seed); the naive design writes fewer of them (it is ~100× slower).
    const all = new OrderEvents(DEFAULT_SEED).take(ctx.quick ? 4000 : 30_000);
    const records = all.slice(0, ctx.quick ? 1500 : 6000);
    const bytes = records.reduce((n, r) => n + recordBytes(r), 0);
    const allBytes = all.reduce((n, r) => n + recordBytes(r), 0);
    const now = Date.now();

    // 1. One item per record.
    await createTable(ddb, 'bench-naive');
    const naive = new Usage();
    const items = records.map((r, i) => ({
      stream: { S: 'orders#0' },
      offset: { N: String(i) },
      key: { S: r.key },
      value: { S: JSON.stringify(r.value) },
      ts: { N: String(now) },
    }));
    ctx.progress.start('naive-item-per-record', records.length);
    const writes = await timedPuts(ddb, items, 'bench-naive', 16, naive, () => ctx.progress.increment(1));
    // Reading it back: Queries of 100 items, eventually consistent (as Tributary reads its log).
    const read = new Usage();
    let start: Record<string, AttributeValue> | undefined;
    let readCount = 0;
    do {
      const out = await ddb.send(
        new QueryCommand({
          TableName: 'bench-naive',
          KeyConditionExpression: '#s = :s',
          ExpressionAttributeNames: { '#s': 'stream' },
          ExpressionAttributeValues: { ':s': { S: 'orders#0' } },
          Limit: 100,
          ExclusiveStartKey: start,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      read.ddbRequests += 1;
      read.rru += out.ConsumedCapacity?.CapacityUnits ?? 0;
      readCount += out.Items?.length ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    naive.rru = read.rru;
    naive.ddbRequests += read.ddbRequests;
    const naiveResult = summarize(
      'naive-item-per-record',
      'baseline: one DynamoDB item per record, PutItem 16 in flight (no HTTP, no Lambda; offsets not even assigned); RRU = reading it back with Queries of 100',
      'baseline',
      16,
      'request',
      { records: records.length, bytes, seconds: writes.seconds, latencies: writes.latencies },
      naive,
      { readBackRecords: readCount, writeOnlyDdbRequestsPerRecord: (naive.ddbRequests - read.ddbRequests) / records.length },
    );

    // 2. The engine's own items for batches of 100, written raw.
    await createTable(ddb, 'bench-raw-batches');
    const raw = new Usage();
    let offset = 0;
    const batchItems = chunk(all, 100).map((batch) => {
      const blob = encodeBatch(batch.map((r) => ({ key: r.key, value: { json: JSON.stringify(r.value) }, headers: {}, timestamp: now })));
      const item = {
        stream: { S: 'bench-produce-b100#0123456789abcdef#0' },
        offset: { N: String(offset) },
        n: { N: String(batch.length) },
        ts: { N: String(now) },
        bytes: { N: String(batch.reduce((n, r) => n + recordBytes(r), 0)) },
        at: { N: String(now) },
        data: { B: blob },
      };
      offset += batch.length;
      return { item, blobBytes: blob.byteLength };
    });
    ctx.progress.start('raw-putitem-batch100', all.length);
    const rawWrites = await timedPuts(
      ddb,
      batchItems.map((b) => b.item),
      'bench-raw-batches',
      8,
      raw,
      () => ctx.progress.increment(100),
    );
    const compressed = batchItems.reduce((n, b) => n + b.blobBytes, 0);
    const rawResult = summarize(
      'raw-putitem-batch100',
      "baseline: PutItem of the engine's own compressed batch-100 items (same bytes as produce-b100 stores inline), 8 in flight",
      'baseline',
      8,
      'request',
      { records: all.length, bytes: allBytes, seconds: rawWrites.seconds, latencies: rawWrites.latencies },
      raw,
      {
        compressionRatio: Number((allBytes / compressed).toFixed(3)),
        compressedBytesPerRecord: Number((compressed / all.length).toFixed(1)),
        wruPerRecordIfInline: Number((raw.wru / all.length).toFixed(4)),
      },
    );
    return [naiveResult, rawResult];
  } finally {
    ddb.destroy();
  }
}
