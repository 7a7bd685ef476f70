/**
 * The one table of API error codes and their HTTP statuses, shared by the
 * service (lambdas/core/errors.ts, lambdas/http/errors.ts), the client and
 * the CLI. It lives in the client package, which depends on nothing of the
 * service; the service imports it from here. No runtime imports.
 */
/** Every error code the service can answer with. */
export const ERROR_CODES = [
  'INVALID_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'TOPIC_NOT_FOUND',
  'GROUP_NOT_FOUND',
  'PARTITION_NOT_FOUND',
  'TOPIC_EXISTS',
  'SUBSCRIPTION_EXISTS',
  'NOT_LEASE_HOLDER',
  'GROUP_ACTIVE',
  'REQUEST_IN_PROGRESS',
  'IDEMPOTENCY_KEY_REUSED',
  'PAYLOAD_TOO_LARGE',
  'OFFSET_OUT_OF_RANGE',
  'THROTTLED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  INVALID_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TOPIC_NOT_FOUND: 404,
  GROUP_NOT_FOUND: 404,
  PARTITION_NOT_FOUND: 404,
  TOPIC_EXISTS: 409,
  SUBSCRIPTION_EXISTS: 409,
  NOT_LEASE_HOLDER: 409,
  GROUP_ACTIVE: 409,
  REQUEST_IN_PROGRESS: 409,
  PAYLOAD_TOO_LARGE: 413,
  OFFSET_OUT_OF_RANGE: 416,
  IDEMPOTENCY_KEY_REUSED: 422,
  THROTTLED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};
