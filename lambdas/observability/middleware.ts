/**
 * The observability middlewares every Lambda handler wears, outermost first:
 *
 * - Powertools Logger `injectLambdaContext`: each log line carries the
 *   function name, memory, cold start and the Lambda request id
 *   (`function_request_id`); keys appended during an invocation are dropped
 *   after it;
 * - the correlation id: API Gateway's request id (`requestContext.requestId`,
 *   the id in the API's access log and in the client's `x-amzn-requestid`),
 *   as the logger's `correlation_id`;
 * - Powertools Tracer `captureLambdaHandler` (a no-op when tracing is off);
 * - the metrics buffer, flushed once per invocation (`./metrics.ts`).
 *
 * Tokens never reach a log line: the logger's replacer redacts them
 * (`lambdas/http/logger.ts`).
 */
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logger } from '../http/logger';
import { getRuntime } from '../runtime';
import { metricsMiddleware } from './metrics';
import { tracer } from './tracer';

/** API Gateway's request id of a proxy or REQUEST-authorizer event, if it has one. */
export function correlationIdOf(event: unknown): string | undefined {
  const id = (event as { requestContext?: { requestId?: unknown } } | null | undefined)?.requestContext?.requestId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

const correlationId: MiddlewareObj = {
  before: (request) => {
    const id = correlationIdOf(request.event);
    if (id) logger.setCorrelationId(id);
  },
};

/** The middlewares, in the order to `.use()` them before any other. */
export function observability(): MiddlewareObj[] {
  return [
    injectLambdaContext(logger, { resetKeys: true }),
    correlationId,
    captureLambdaHandler(tracer),
    metricsMiddleware(() => getRuntime().config.metricsEnabled),
  ];
}

/** A handler that is not an HTTP operation (the authorizer, the archiver), with the same observability. */
export function withObservability<Event, Result>(handler: (event: Event, context: Context) => Promise<Result>) {
  return middy<Event, Result>(handler).use(observability());
}
