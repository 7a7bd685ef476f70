/**
 * The one place that turns errors into HTTP responses with the API's error
 * body `{"error": {"code", "message"}}` (plus any top-level details, such as
 * `startOffset`/`endOffset` of OFFSET_OUT_OF_RANGE). Unknown errors become a
 * 500 INTERNAL with a fixed sentence: never a stack trace.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { TributaryError, type ErrorCode } from '../core/errors';
import { STATUS_BY_CODE } from './error-status';

// The code → status table lives in its own dependency-free module so the client SDK shares it.
export { STATUS_BY_CODE };

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

/**
 * The same errors in the Upstash Kafka REST API's body, for the `/upstash`
 * routes: `{"error": "<message>", "status": N}` (the `@upstash/kafka` SDK
 * throws `UpstashError(body.error)`), with the same status codes as /v1, plus
 * `code` and any details (`startOffset`, `endOffset`) beside them.
 */
export function upstashErrorResponse(error: unknown): APIGatewayProxyResult {
  const v1 = errorResponse(error);
  const { error: inner, ...details } = JSON.parse(v1.body) as { error: { code: string; message: string } };
  // Upstash clients send Basic credentials: say where the token goes.
  const message = inner.code === 'UNAUTHENTICATED' ? UPSTASH_UNAUTHENTICATED : inner.message;
  return { ...v1, body: JSON.stringify({ ...details, error: message, status: v1.statusCode, code: inner.code }) };
}

export const UPSTASH_UNAUTHENTICATED =
  'A valid Tributary token is required as the password (Authorization: Basic base64(<any username>:<token>)).';
