/**
 * The local stack's stand-in for the event source mapping: reads DynamoDB
 * Local's stream on the log table (DescribeStream, GetShardIterator,
 * GetRecords), turns the records into appends (the same parser as the
 * dispatcher Lambda) and hands them to the same listeners through
 * `dispatchAppends`. Also runs the retry sweep on a timer, as the schedule
 * does on AWS. Nothing in the produce path knows about it.
 *
 * On start every shard is read from its oldest record: listeners read
 * committed offsets, so a replay costs a look per partition and loses
 * nothing appended while the stack was down.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dispatchAppends, type AppendListener } from '../lambdas/core/log/appends';
import { toLogAppends, type LogStreamRecord } from '../lambdas/store/log-stream';
import { LocalStreamsClient } from './streams-client';

export interface StreamPollerOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly logTable: string;
  /** The listeners (built lazily: the runtime reads the environment on first use). */
  readonly listeners: () => readonly AppendListener[];
  /** The retry sweep, run every `sweepIntervalMs`. */
  readonly sweep?: () => Promise<unknown>;
  readonly pollIntervalMs?: number;
  readonly sweepIntervalMs?: number;
  /**
   * Runs around each dispatch of appends and each sweep, as one Lambda
   * invocation would (the bench meters them here); default: runs it.
   */
  readonly around?: DispatchWrapper;
  readonly log: (line: string) => void;
}

/** Wraps one dispatcher run: `appends` (a stream batch) or `sweep` (the retry sweep). */
export type DispatchWrapper = <T>(kind: 'appends' | 'sweep', run: () => Promise<T>) => Promise<T>;

const runIt: DispatchWrapper = (_kind, run) => run();

/** How often the shard list is read again (DynamoDB Local opens new shards over time). */
const DESCRIBE_EVERY_MS = 1_000;
/** Pauses between polls back off from `pollIntervalMs` to this while the stream stays quiet. */
const MAX_IDLE_PAUSE_MS = 500;

/** Starts polling; returns its stop (which waits for the round in progress). */
export async function startStreamPoller(options: StreamPollerOptions): Promise<() => Promise<void>> {
  const dynamodb = new DynamoDBClient({ endpoint: options.endpoint, region: options.region, credentials: options.credentials });
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: options.logTable }));
  dynamodb.destroy();
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`Table ${options.logTable} has no stream: push delivery cannot start`);
  const client = new LocalStreamsClient(options);
  const around = options.around ?? runIt;
  const iterators = new Map<string, string | undefined>();
  const closed = new Set<string>();
  let describedAt = 0;
  let stopped = false;

  const refreshShards = async () => {
    for (const shard of await client.describeStream(streamArn)) {
      if (iterators.has(shard.ShardId) || closed.has(shard.ShardId)) continue;
      iterators.set(shard.ShardId, await client.shardIterator(streamArn, shard.ShardId, 'TRIM_HORIZON'));
    }
    describedAt = Date.now();
  };

  const round = async () => {
    if (Date.now() - describedAt > DESCRIBE_EVERY_MS) await refreshShards();
    const records: LogStreamRecord[] = [];
    for (const [shardId, iterator] of iterators) {
      if (!iterator) continue;
      const page = await client.records(iterator).catch(async (error: unknown) => {
        // An expired or broken iterator: read the shard again from its start (replays are harmless).
        const message = error instanceof Error ? error.message : String(error);
        // DynamoDB Local answers this for a brand-new shard's first read; the fresh iterator then works.
        if (!message.includes('TrimmedDataAccessException')) options.log(`stream poller: shard ${shardId}: ${message}`);
        return { records: [], next: await client.shardIterator(streamArn, shardId, 'TRIM_HORIZON') };
      });
      records.push(...(page.records as LogStreamRecord[]));
      if (page.next) iterators.set(shardId, page.next);
      else {
        iterators.delete(shardId);
        closed.add(shardId);
      }
    }
    const appends = toLogAppends(records);
    if (appends.length > 0) await around('appends', () => dispatchAppends(options.listeners(), appends));
    return records.length > 0;
  };

  const loop = (async () => {
    const base = options.pollIntervalMs ?? 200;
    let pause = base;
    while (!stopped) {
      const busy = await round().catch((error: unknown) => {
        options.log(`stream poller: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      });
      // Quick while records flow; a quiet stream is polled less and less often (at most every second).
      pause = busy ? base : Math.min(MAX_IDLE_PAUSE_MS, pause * 2);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  })();

  let sweeping: Promise<unknown> | undefined;
  const sweepTimer = options.sweep
    ? setInterval(() => {
        const sweep = options.sweep!;
        sweeping ??= around('sweep', sweep)
          .catch((error: unknown) => options.log(`retry sweep: ${error instanceof Error ? error.message : String(error)}`))
          .finally(() => (sweeping = undefined));
      }, options.sweepIntervalMs ?? 1_000)
    : undefined;
  sweepTimer?.unref();

  return async () => {
    stopped = true;
    if (sweepTimer) clearInterval(sweepTimer);
    await loop;
    await sweeping;
  };
}
