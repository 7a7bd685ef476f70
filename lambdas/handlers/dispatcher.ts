/**
 * Lambda: the stream dispatcher. Woken by DynamoDB Streams on the log table
 * (an event source mapping; reading the stream is free, so an idle topic
 * invokes nothing), it turns the stream records into appends and hands them
 * to every listener (`Runtime.appendListeners`: push delivery, and live
 * notifications when TRIBUTARY_LIVE_ENDPOINT is set). Its EventBridge schedule sends a scheduled
 * event instead: it then runs the retry sweep of push subscriptions. That rule is on only while
 * retry notes exist (the first note enables it, a sweep that leaves none disables it), so an
 * idle deployment invokes nothing.
 */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { dispatchAppends } from '../core/log/appends';
import { logger } from '../http/logger';
import { withObservability } from '../observability/middleware';
import { getRuntime } from '../runtime';

function isStreamEvent(event: unknown): event is DynamoDBStreamEvent {
  return Array.isArray((event as { Records?: unknown } | null)?.Records);
}

async function dispatch(event: unknown): Promise<unknown> {
  const runtime = getRuntime();
  if (isStreamEvent(event)) {
    const appends = runtime.appendsOf(event.Records);
    await dispatchAppends(runtime.appendListeners, appends);
    return { appends: appends.length };
  }
  const swept = await runtime.subscriptionDispatcher.sweep();
  if (swept > 0) logger.info('Retry sweep', { swept });
  return { swept };
}

export const handler = withObservability(dispatch);
