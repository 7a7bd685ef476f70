/**
 * What every scenario shares: its context (the stack, the ledger, the run
 * size), the result it reports, and the arithmetic from measured usage to
 * per-record units and dollars (with SQS and Kinesis priced for the same
 * records beside it).
 */
import type { BenchClient } from './client';
import type { Config } from '../lambdas/config';
import type { CostBreakdown, Ledger, Usage } from './ledger';
import { PRICES, SQS_CHUNK_BYTES, SQS_MAX_BATCH } from './prices';
import type { Progress } from './report';

export interface BenchContext {
  /** Client with the development token, tagged `setup` (topic creation, token minting). */
  admin: BenchClient;
  ledger: Ledger;
  quick: boolean;
  progress: Progress;
  /** A client with a token of its own (so its authorizer invocations are its own), tagged `scenario`. */
  clientFor(scenario: string): Promise<BenchClient>;
  /** The stack's URL and development token (for the typed client). */
  url: string;
  token: string;
  /** The stack's configuration (tables, endpoints), for what only the stores can tell. */
  config: Config;
}

/** What a scenario's records go through, for the SQS / Kinesis comparison. */
export type ScenarioKind = 'produce' | 'consume' | 'end-to-end' | 'idle' | 'baseline';

export interface ScenarioResult {
  name: string;
  description: string;
  kind: ScenarioKind;
  concurrency: number;
  records: number;
  /** Record bytes (key + value JSON) moved. */
  bytes: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
  /** Latency of a request, or for end-to-end scenarios of a record from produce to poll. */
  latencyOf: 'request' | 'record';
  p50Ms: number;
  p99Ms: number;
  apiCallsPerRecord: number;
  lambdaInvocationsPerRecord: number;
  lambdaGbSecondsPerRecord: number;
  ddbRequestsPerRecord: number;
  wruPerRecord: number;
  rruPerRecord: number;
  s3RequestsPerRecord: number;
  /** Multi-item transactions whose write units were computed from item sizes (DynamoDB Local under-counts them). */
  computedRequests: number;
  usdPerMillion: number;
  usdPerMillionBreakdown: CostBreakdown;
  sqsUsdPerMillion: number | null;
  kinesisUsdPerMillion: number | null;
  /** Lambda invocations by function, and their median duration. */
  /** Per function: invocations, median duration, and (handlers) median DynamoDB requests per invocation and the share of invocations that made exactly one DynamoDB request and no read. */
  functions: Record<string, { invocations: number; p50Ms: number; ddbRequestsP50?: number; shareOneRequestNoRead?: number }>;
  /** The idle scenario only: US$ per idle consumer and month. */
  usdPerIdleConsumerMonth?: number;
  extra?: Record<string, number | string | boolean | null>;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const round = (n: number, digits = 4) => Number(n.toPrecision(digits));

/** SQS standard for the same records: 10 per batch call, each 64 KB of a call billed as one request. */
export function sqsUsdPerMillion(kind: ScenarioKind, bytesPerRecord: number): number | null {
  if (kind === 'idle' || kind === 'baseline') return null;
  const requestsPerBatch = Math.ceil((bytesPerRecord * SQS_MAX_BATCH) / SQS_CHUNK_BYTES);
  const perMessage = requestsPerBatch / SQS_MAX_BATCH; // one SendMessageBatch, or one ReceiveMessage
  const deletes = 1 / SQS_MAX_BATCH; // DeleteMessageBatch (small body)
  const requests = kind === 'produce' ? perMessage : kind === 'consume' ? perMessage + deletes : 2 * perMessage + deletes;
  return requests * PRICES.sqsStandardRequest.usd * 1e6;
}

/**
 * Kinesis on-demand for the same records, without the $0.04 stream-hour (a
 * fixed $28.80 per stream-month, independent of messages): ingest rounds
 * each record up to the next KB; retrieval is billed per GB read.
 */
export function kinesisUsdPerMillion(kind: ScenarioKind, bytesPerRecord: number): number | null {
  if (kind === 'idle' || kind === 'baseline') return null;
  const GB = 1024 ** 3;
  const ingest = ((Math.ceil(bytesPerRecord / 1024) * 1024) / GB) * PRICES.kinesisOnDemandIngestGb.usd;
  const retrieve = (bytesPerRecord / GB) * PRICES.kinesisOnDemandRetrievalGb.usd;
  const perRecord = kind === 'produce' ? ingest : kind === 'consume' ? retrieve : ingest + retrieve;
  return perRecord * 1e6;
}

export interface Measured {
  records: number;
  bytes: number;
  seconds: number;
  latencies: number[];
}

/** Turns a scenario's measurements and its ledger usage into its result row. */
export function summarize(
  name: string,
  description: string,
  kind: ScenarioKind,
  concurrency: number,
  latencyOf: 'request' | 'record',
  measured: Measured,
  usage: Usage,
  extra?: ScenarioResult['extra'],
): ScenarioResult {
  const n = Math.max(1, measured.records);
  const cost = usage.cost();
  const perMillion = (usd: number) => round((usd / n) * 1e6);
  const functions: ScenarioResult['functions'] = {};
  for (const [fn, durations] of Object.entries(usage.durationsMs)) {
    const calls = usage.perInvocation[fn as keyof typeof usage.perInvocation] ?? [];
    functions[fn] = {
      invocations: durations?.length ?? 0,
      p50Ms: round(percentile(durations ?? [], 50), 3),
      ...(calls.length > 0
        ? {
            ddbRequestsP50: percentile(calls.map((c) => c.ddb), 50),
            shareOneRequestNoRead: round(calls.filter((c) => c.ddb === 1 && c.rru === 0).length / calls.length),
          }
        : {}),
    };
  }
  const bytesPerRecord = measured.bytes / n;
  return {
    name,
    description,
    kind,
    concurrency,
    records: measured.records,
    bytes: measured.bytes,
    seconds: round(measured.seconds),
    recordsPerSec: round(measured.records / measured.seconds),
    mbPerSec: round(measured.bytes / 1e6 / measured.seconds),
    latencyOf,
    p50Ms: round(percentile(measured.latencies, 50), 3),
    p99Ms: round(percentile(measured.latencies, 99), 3),
    apiCallsPerRecord: round(usage.apiRequests / n),
    lambdaInvocationsPerRecord: round(usage.lambdaInvocations / n),
    lambdaGbSecondsPerRecord: round(usage.gbSeconds / n),
    ddbRequestsPerRecord: round(usage.ddbRequests / n),
    wruPerRecord: round(usage.wru / n),
    rruPerRecord: round(usage.rru / n),
    s3RequestsPerRecord: round(usage.s3Requests / n),
    computedRequests: usage.computedRequests,
    usdPerMillion: perMillion(cost.total),
    usdPerMillionBreakdown: {
      apiGateway: perMillion(cost.apiGateway),
      lambdaRequests: perMillion(cost.lambdaRequests),
      lambdaCompute: perMillion(cost.lambdaCompute),
      dynamodb: perMillion(cost.dynamodb),
      s3: perMillion(cost.s3),
      total: perMillion(cost.total),
    },
    sqsUsdPerMillion: (() => {
      const v = sqsUsdPerMillion(kind, bytesPerRecord);
      return v === null ? null : round(v);
    })(),
    kinesisUsdPerMillion: (() => {
      const v = kinesisUsdPerMillion(kind, bytesPerRecord);
      return v === null ? null : round(v);
    })(),
    functions,
    ...(extra ? { extra } : {}),
  };
}

/** Runs `work(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
