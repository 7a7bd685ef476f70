/**
 * X-Ray tracing (Powertools Tracer). The Tracer switches itself off outside
 * Lambda (no `AWS_EXECUTION_ENV`: the local stack, the tests) and when
 * `POWERTOOLS_TRACE_ENABLED=false`, which the stack sets on functions
 * deployed without tracing. Its service name is `POWERTOOLS_SERVICE_NAME`.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

export const tracer = new Tracer();

/** Traces an AWS SDK client's calls as subsegments; leaves it untouched when tracing is off. */
export function traceClient<T>(client: T): T {
  return tracer.isTracingEnabled() ? tracer.captureAWSv3Client(client) : client;
}
