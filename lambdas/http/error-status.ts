/**
 * The HTTP status of every API error code: the one table the server
 * (lambdas/http/errors.ts) answers with and the client SDK (client/errors.ts)
 * reads errors back with. Kept free of runtime imports so the client can use
 * it without pulling in any server code (`ErrorCode` is a type-only import).
 */
import type { ErrorCode } from '../core/errors';

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
