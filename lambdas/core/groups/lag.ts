/**
 * Consumer lag, sampled by the group poll, without scanning anything: a poll
 * reads each partition it serves from the group's committed offset, and
 * that read usually learns the partition's end offset for free (it reached
 * the newest batch). Lag is then `endOffset − from`, where `from` is where
 * the poll read (the committed offset, or the start offset once retention
 * passed it).
 *
 * A read that stopped short of the end (the consumer is more than one
 * response behind) only knows a lower bound. For those, the poll pays for
 * one eventually consistent end-offset query (Limit 1: half a read unit) at
 * most once a minute per group and partition in each container — the
 * metric's resolution — and reports the lower bound in between. CloudWatch
 * takes the Maximum over the minute, so a far-behind group still shows its
 * full lag. Nothing is read when metrics are off (locally, in tests).
 *
 * Sampled at poll time: a group that stops polling stops reporting. The
 * stack's lag alarm therefore keeps its last state while data is missing
 * (see lib/observability.ts).
 */
import type { PartitionLog, ReadResult } from '../log/log';
import { metrics } from '../metrics';
import type { Topic } from '../types';

/** How often, per group and partition, a container may pay for an end-offset read to measure lag. */
export const LAG_PROBE_INTERVAL_MS = 60_000;
/** Bound on remembered probe times per container (entries older than the interval are dropped first). */
const MAX_PROBES_REMEMBERED = 10_000;

interface PartitionReading {
  readonly from: number;
  /** The end offset, when the read reached it. */
  readonly end: number | undefined;
  /** Where the read stopped: a lower bound of the end offset. */
  readonly reached: number;
}

/** What one poll learned about the partitions it read (the last read of each wins). */
export class LagSample {
  readonly readings = new Map<number, PartitionReading>();

  observe(partition: number, from: number, read: Pick<ReadResult, 'nextOffset' | 'endOffset'>): void {
    this.readings.set(partition, { from, end: read.endOffset, reached: Math.max(from, read.nextOffset) });
  }
}

const probedAt = new Map<string, number>();

function mayProbe(key: string, now: number): boolean {
  const last = probedAt.get(key);
  if (last !== undefined && now - last < LAG_PROBE_INTERVAL_MS) return false;
  if (probedAt.size >= MAX_PROBES_REMEMBERED) {
    for (const [k, at] of probedAt) if (now - at >= LAG_PROBE_INTERVAL_MS) probedAt.delete(k);
    if (probedAt.size >= MAX_PROBES_REMEMBERED) return false;
  }
  probedAt.set(key, now);
  return true;
}

/**
 * Reports the group's lag on the topic: the largest over the partitions the
 * poll read. Never fails the poll: a failed probe falls back to the lower bound.
 */
export async function reportLag(
  log: PartitionLog,
  topic: Topic,
  group: string,
  sample: LagSample,
  now: () => number = Date.now,
): Promise<void> {
  const sink = metrics();
  if (!sink.enabled || sample.readings.size === 0) return;
  let lag = 0;
  for (const [partition, reading] of sample.readings) {
    let end = reading.end;
    if (end === undefined && mayProbe(`${group}#${topic.topicId}#${partition}`, now())) {
      end = await log.endOffset(topic, partition).catch(() => undefined);
    }
    lag = Math.max(lag, Math.max(end ?? 0, reading.reached) - reading.from);
  }
  sink.consumerLag(group, topic.name, lag);
}
