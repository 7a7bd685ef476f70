/**
 * The one place that turns errors into HTTP responses with the API's error
 * body `{"error": {"code", "message"}}` (plus any top-level details, such as
 * `startOffset`/`endOffset` of OFFSET_OUT_OF_RANGE). Unknown errors become a
 * 500 INTERNAL with a fixed sentence: never a stack trace.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { TributaryError, type ErrorCode } from '../core/errors';

export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  INVALID_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TOPIC_NOT_FOUND: 404,
  GROUP_NOT_FOUND: 404,
  PARTITION_NOT_FOUND: 404,
  TOPIC_EXISTS: 409,
  NOT_LEASE_HOLDER: 409,
  REQUEST_IN_PROGRESS: 409,
  PAYLOAD_TOO_LARGE: 413,
  OFFSET_OUT_OF_RANGE: 416,
  IDEMPOTENCY_KEY_REUSED: 422,
  THROTTLED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

export const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

export function errorBody(code: ErrorCode, message: string, details?: Record<string, unknown>): string {
  return JSON.stringify({ ...(details ?? {}), error: { code, message } });
}

export function errorResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof TributaryError) {
    const headers: Record<string, string> = { ...JSON_HEADERS };
    if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
    return { statusCode: STATUS_BY_CODE[error.code], headers, body: errorBody(error.code, error.message, error.details) };
  }
  return { statusCode: 500, headers: { ...JSON_HEADERS }, body: errorBody('INTERNAL', 'Internal error.') };
}
