/**
 * The errors the client throws. Every API error code has its own class,
 * taken from the one table the server answers with (`ERROR_CODES` and
 * `STATUS_BY_CODE` in ./protocol/error-codes.ts, which the service imports
 * from this package, never the other way round).
 * `ERROR_CLASSES` is typed over every code: a code added to the table
 * without a class here fails the type-check.
 */
import { ERROR_CODES, STATUS_BY_CODE, type ErrorCode } from './protocol/error-codes';

export { ERROR_CODES, STATUS_BY_CODE, type ErrorCode };

export interface ApiErrorInit {
  status: number;
  /** The API's `error.code` (a code of a newer server may be unknown to this client). */
  code: ErrorCode | (string & {});
  message: string;
  /** Fields beside `error` at the top level of the response body (e.g. `startOffset`). */
  details?: Record<string, unknown>;
  /** From the `Retry-After` header. */
  retryAfterMs?: number;
}

/** An error answer of the API: `{"error": {"code", "message"}}` with a non-2xx status. */
export class TributaryError extends Error {
  readonly status: number;
  readonly code: ErrorCode | (string & {});
  readonly details: Readonly<Record<string, unknown>>;
  readonly retryAfterMs: number | undefined;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? {};
    this.retryAfterMs = init.retryAfterMs;
  }
}

export class InvalidRequestError extends TributaryError {}
export class UnauthenticatedError extends TributaryError {}
export class ForbiddenError extends TributaryError {}
export class NotFoundError extends TributaryError {}
export class TopicNotFoundError extends TributaryError {}
export class GroupNotFoundError extends TributaryError {}
export class PartitionNotFoundError extends TributaryError {}
export class TopicExistsError extends TributaryError {}
/** A subscription of that name already exists on the topic. */
export class SubscriptionExistsError extends TributaryError {}
/** A commit or nack by a consumer that no longer holds the partition's lease (fenced). */
export class NotLeaseHolderError extends TributaryError {
  /** The partitions whose lease the consumer lacks. */
  get partitions(): number[] {
    const value = this.details.partitions;
    return Array.isArray(value) ? value.filter((p): p is number => typeof p === 'number') : [];
  }
}
/** An offset reset refused because live consumers hold the partitions; retry with `force` to revoke their leases. */
export class GroupActiveError extends TributaryError {
  /** The live consumers holding the partitions. */
  get consumers(): string[] {
    const value = this.details.consumers;
    return Array.isArray(value) ? value.filter((c): c is string => typeof c === 'string') : [];
  }
}
export class RequestInProgressError extends TributaryError {}
export class IdempotencyKeyReusedError extends TributaryError {}
export class PayloadTooLargeError extends TributaryError {}
/** A fetch outside the partition's readable range; re-seek within [startOffset, endOffset]. */
export class OffsetOutOfRangeError extends TributaryError {
  get startOffset(): number | undefined {
    return numberOrUndefined(this.details.startOffset);
  }
  get endOffset(): number | undefined {
    return numberOrUndefined(this.details.endOffset);
  }
}
export class ThrottledError extends TributaryError {}
export class UnavailableError extends TributaryError {}
export class InternalError extends TributaryError {}

type ErrorClass = new (init: ApiErrorInit) => TributaryError;

/** The class of every code in the shared table. */
export const ERROR_CLASSES: { readonly [C in ErrorCode]: ErrorClass } = {
  INVALID_REQUEST: InvalidRequestError,
  UNAUTHENTICATED: UnauthenticatedError,
  FORBIDDEN: ForbiddenError,
  NOT_FOUND: NotFoundError,
  TOPIC_NOT_FOUND: TopicNotFoundError,
  GROUP_NOT_FOUND: GroupNotFoundError,
  PARTITION_NOT_FOUND: PartitionNotFoundError,
  TOPIC_EXISTS: TopicExistsError,
  SUBSCRIPTION_EXISTS: SubscriptionExistsError,
  NOT_LEASE_HOLDER: NotLeaseHolderError,
  GROUP_ACTIVE: GroupActiveError,
  REQUEST_IN_PROGRESS: RequestInProgressError,
  IDEMPOTENCY_KEY_REUSED: IdempotencyKeyReusedError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  OFFSET_OUT_OF_RANGE: OffsetOutOfRangeError,
  THROTTLED: ThrottledError,
  UNAVAILABLE: UnavailableError,
  INTERNAL: InternalError,
};

/** The API could not be reached, or did not answer in time, even after retries. */
export class TributaryConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TributaryConnectionError';
  }
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}

/** True when the error is the API's answer with one of these codes. */
export function hasErrorCode(error: unknown, ...codes: ErrorCode[]): error is TributaryError {
  return error instanceof TributaryError && (codes as string[]).includes(error.code);
}

/**
 * The code an error without the API's body is read as (e.g. API Gateway's own
 * `{"message": "…"}` answers): the first code of the table with that status,
 * else INVALID_REQUEST for other 4xx and INTERNAL for other 5xx.
 */
export function codeForStatus(status: number): ErrorCode {
  const code = ERROR_CODES.find((c) => STATUS_BY_CODE[c] === status);
  if (code) return code;
  if (status === 502 || status === 504) return 'UNAVAILABLE';
  return status < 500 ? 'INVALID_REQUEST' : 'INTERNAL';
}

/** The typed error for a non-2xx response and its parsed JSON body (or undefined). */
export function errorFromResponse(status: number, body: unknown, retryAfterMs?: number): TributaryError {
  const object = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const { error, ...details } = object;
  const apiError = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : undefined;
  const code = typeof apiError?.code === 'string' ? apiError.code : codeForStatus(status);
  const message =
    (typeof apiError?.message === 'string' && apiError.message) ||
    (typeof object.message === 'string' && object.message) ||
    `The API answered HTTP ${status}.`;
  const Class = isErrorCode(code) ? ERROR_CLASSES[code] : TributaryError;
  return new Class({ status, code, message, details: apiError ? details : {}, retryAfterMs });
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
