/**
 * Lambda: the retention archiver. The EventBridge rule invokes it on a
 * schedule with no partition: it then fans out, invoking itself
 * asynchronously once per partition, so each invocation's work is bounded
 * (one partition, at most `maxSegmentsPerRun` segments). An invocation with
 * `{ "topic", "partition" }` archives and applies retention to that partition.
 */
import { mapWithConcurrency } from '../core/concurrency';
import { logger } from '../http/logger';
import { withObservability } from '../observability/middleware';
import { getRuntime } from '../runtime';

interface PartitionEvent {
  topic: string;
  partition: number;
}

function isPartitionEvent(event: unknown): event is PartitionEvent {
  const e = event as Partial<PartitionEvent> | null;
  return typeof e?.topic === 'string' && Number.isInteger(e.partition);
}

async function fanOut(work: PartitionEvent[]): Promise<void> {
  const self = process.env.AWS_LAMBDA_FUNCTION_NAME;
  if (!self) throw new Error('AWS_LAMBDA_FUNCTION_NAME is not set: fan-out needs the function to invoke');
  const { invoker } = getRuntime();
  await mapWithConcurrency(work, 10, (piece) => invoker.invokeAsync(self, piece));
}

async function archive(event: unknown): Promise<unknown> {
  const archiver = getRuntime().archiver;
  if (isPartitionEvent(event)) {
    const report = await archiver.runPartition(event.topic, event.partition);
    logger.info('Partition archived', { ...report });
    return report;
  }
  const work = await archiver.partitions();
  await fanOut(work);
  logger.info('Archiver run dispatched', { partitions: work.length });
  return { dispatched: work.length };
}

export const handler = withObservability(archive);
