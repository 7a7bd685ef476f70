/**
 * The engine's metrics port. The engine counts what only it sees (records
 * and bytes produced, polled and dead-lettered, conflicting conditional
 * writes, throttles, consumer lag) through this small interface; the Lambda
 * handlers install an implementation that writes CloudWatch embedded metric
 * format (`lambdas/observability/metrics.ts`). Until one is installed, and
 * wherever nobody reads the metrics (the local stack, the tests), every call
 * is a no-op, so the engine never depends on Powertools or on stdout.
 *
 * A process-wide sink, like a logger, rather than a constructor argument:
 * metrics are emitted from deep inside the services, and one Lambda
 * container serves one invocation at a time, so per-invocation buffering
 * and flushing belong to the handler's middleware, not to the engine.
 */
import { recordSize, type LogRecord } from './types';

/** The CloudWatch namespace of every Tributary metric (the stack's dashboard and alarms read it). */
export const METRICS_NAMESPACE = 'Tributary';

/** The counters, summed per invocation (CloudWatch statistic Sum). */
export type CounterName =
  /** Records appended by produce requests, and their bytes (key, value and headers). */
  | 'RecordsProduced'
  | 'BytesProduced'
  /** Records returned by group polls and partition fetches, and their bytes. */
  | 'RecordsPolled'
  | 'BytesPolled'
  /** Records moved to the dead-letter table (a nack past `maxDeliveryAttempts`). */
  | 'RecordsDeadLettered'
  /** Records a push subscription delivered (answered 2xx), and its failed tries (batches). */
  | 'RecordsDelivered'
  | 'DeliveryFailures'
  /** Push subscriptions disabled by their target (410 Gone). */
  | 'SubscriptionsDisabled'
  /** Log appends that found their offset taken by another writer and had to move on. */
  | 'ConditionalWriteConflicts'
  /** DynamoDB or S3 requests refused with a throttling error (each attempt, retried or not). */
  | 'Throttles';

export const COUNTER_UNITS: Readonly<Record<CounterName, 'Count' | 'Bytes'>> = {
  RecordsProduced: 'Count',
  BytesProduced: 'Bytes',
  RecordsPolled: 'Count',
  BytesPolled: 'Bytes',
  RecordsDeadLettered: 'Count',
  RecordsDelivered: 'Count',
  DeliveryFailures: 'Count',
  SubscriptionsDisabled: 'Count',
  ConditionalWriteConflicts: 'Count',
  Throttles: 'Count',
};

export interface MetricsSink {
  /**
   * False when nothing is recorded: work done only to produce a metric (such
   * as reading a partition's end offset for the lag) is then skipped.
   */
  readonly enabled: boolean;
  /** Adds `value` to a counter. */
  count(name: CounterName, value: number): void;
  /** The records of `topic` that `group` has yet to consume, sampled now (CloudWatch statistic Maximum). */
  consumerLag(group: string, topic: string, lag: number): void;
  /** Push delivery latency: from the first record's timestamp (its append, by default) to the target's 2xx. */
  deliveryLatency?(subscription: string, topic: string, ms: number): void;
  /** A share group's records locked now on `topic` (its lag, `available`, goes to consumerLag). */
  shareAcquired?(group: string, topic: string, acquired: number): void;
}

export const NO_METRICS: MetricsSink = { enabled: false, count: () => undefined, consumerLag: () => undefined };

let sink: MetricsSink = NO_METRICS;

/** The installed sink (a no-op until a handler installs one). */
export function metrics(): MetricsSink {
  return sink;
}

/** Installs the process-wide sink; tests install a recorder and put `NO_METRICS` back. */
export function setMetricsSink(next: MetricsSink): void {
  sink = next;
}

/** Counts records and their bytes (key, value and headers) as produced or polled. */
export function countRecords(kind: 'Produced' | 'Polled', records: readonly LogRecord[]): void {
  const sink = metrics();
  if (!sink.enabled || records.length === 0) return;
  sink.count(`Records${kind}`, records.length);
  sink.count(`Bytes${kind}`, records.reduce((sum, record) => sum + recordSize(record), 0));
}
