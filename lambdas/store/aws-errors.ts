/**
 * Maps AWS SDK failures that survived the SDK's retries to the engine's
 * retriable errors. Everything else (conditional check failures, validation
 * errors, missing keys) passes through unchanged for the store to handle.
 */
import { ThrottledError, TributaryError, UnavailableError } from '../core/errors';

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'Throttling',
]);

const TRANSIENT = new Set([
  'InternalServerError',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/** True for an AWS error that means "slow down" (DynamoDB, S3, or any other service's throttling name). */
export function isThrottling(error: unknown): boolean {
  return error instanceof Error && THROTTLING.has(error.name);
}

export function translateAwsError(error: unknown, service: string): unknown {
  if (error instanceof TributaryError || !(error instanceof Error)) return error;
  const e = error as Error & { code?: string; $metadata?: { httpStatusCode?: number } };
  if (THROTTLING.has(e.name)) return new ThrottledError(error);
  const status = e.$metadata?.httpStatusCode;
  const causeCode = (e.cause as { code?: unknown } | undefined)?.code;
  // An SDK error with metadata but no HTTP status never got an answer (connection refused, reset, DNS).
  const noAnswer = e.$metadata !== undefined && status === undefined;
  if (
    TRANSIENT.has(e.name) ||
    (status !== undefined && status >= 500) ||
    noAnswer ||
    NETWORK_CODES.has(e.code ?? '') ||
    NETWORK_CODES.has(String(causeCode))
  ) {
    return new UnavailableError(service, error);
  }
  return error;
}
