/**
 * The one family of errors the engine throws. Each carries a stable `code`
 * (the `error.code` of the API), a human sentence, and where it helps the
 * caller recover, typed context (the current start/end offsets, a retry
 * delay). HTTP status codes are assigned in one place: `lambdas/http/errors.ts`.
 */

import { ERROR_CODES, type ErrorCode } from '../../packages/client/src/protocol/error-codes';

export { ERROR_CODES, type ErrorCode };

export interface TributaryErrorOptions {
  cause?: unknown;
  /** Fields placed beside `error` at the top level of the response body. */
  details?: Record<string, unknown>;
  /** Seconds the client should wait before retrying (429/503). */
  retryAfterSeconds?: number;
}

export class TributaryError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: TributaryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** True when repeating the same request may succeed and cannot do harm. */
  get retriable(): boolean {
    return this.code === 'THROTTLED' || this.code === 'UNAVAILABLE' || this.code === 'REQUEST_IN_PROGRESS';
  }
}

/** A body, parameter or header failed validation; `field` names it. */
export class InvalidRequestError extends TributaryError {
  readonly field: string | undefined;
  constructor(message: string, field?: string, options?: TributaryErrorOptions) {
    super('INVALID_REQUEST', field ? `${field}: ${message}` : message, options);
    this.field = field;
  }
}

export class UnauthenticatedError extends TributaryError {
  constructor(message = 'A valid bearer token is required (Authorization: Bearer <token>).') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends TributaryError {
  constructor(action: string, resource: string) {
    super('FORBIDDEN', `The token lacks the '${action}' permission on ${resource}.`);
  }
}

export class RouteNotFoundError extends TributaryError {
  constructor(method: string, path: string) {
    super('NOT_FOUND', `No route matches ${method} ${path}.`);
  }
}

export class TopicNotFoundError extends TributaryError {
  constructor(readonly topic: string) {
    super('TOPIC_NOT_FOUND', `Topic '${topic}' does not exist.`);
  }
}

export class PartitionNotFoundError extends TributaryError {
  constructor(topic: string, partition: number, partitions: number) {
    super(
      'PARTITION_NOT_FOUND',
      `Topic '${topic}' has no partition ${partition}; it has ${partitions} (0 to ${partitions - 1}).`,
    );
  }
}

export class GroupNotFoundError extends TributaryError {
  constructor(group: string, topic: string) {
    super('GROUP_NOT_FOUND', `Group '${group}' has no state for topic '${topic}'.`);
  }
}

/** A commit or nack from a consumer that does not hold the partition's lease (fenced). */
export class NotLeaseHolderError extends TributaryError {
  constructor(
    group: string,
    consumer: string,
    readonly partitions: readonly number[],
  ) {
    super(
      'NOT_LEASE_HOLDER',
      `Consumer '${consumer}' of group '${group}' does not hold the lease of partition(s) ${partitions.join(', ')}; poll again to get an assignment.`,
      { details: { partitions: [...partitions] } },
    );
  }
}

/** An offset reset of partitions that live consumers hold, without `force`. */
export class GroupActiveError extends TributaryError {
  constructor(group: string, topic: string, consumers: readonly string[]) {
    super(
      'GROUP_ACTIVE',
      `Group '${group}' has live consumers (${consumers.join(', ')}) on the partitions of topic '${topic}' to reset; stop them or pass force to revoke their leases.`,
      { details: { consumers: [...consumers] } },
    );
  }
}

export class NotFoundError extends TributaryError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} does not exist.`);
  }
}

export class TopicExistsError extends TributaryError {
  constructor(topic: string) {
    super('TOPIC_EXISTS', `Topic '${topic}' already exists.`);
  }
}

export class SubscriptionExistsError extends TributaryError {
  constructor(topic: string, name: string) {
    super('SUBSCRIPTION_EXISTS', `Subscription '${name}' already exists on topic '${topic}'.`);
  }
}

export class PayloadTooLargeError extends TributaryError {
  constructor(message: string) {
    super('PAYLOAD_TOO_LARGE', message);
  }
}

/** A read outside [startOffset, endOffset]; carries both so the caller can re-seek. */
export class OffsetOutOfRangeError extends TributaryError {
  constructor(
    readonly offset: number,
    readonly startOffset: number,
    readonly endOffset: number,
  ) {
    super(
      'OFFSET_OUT_OF_RANGE',
      `Offset ${offset} is outside the readable range [${startOffset}, ${endOffset}] of this partition.`,
      { details: { startOffset, endOffset } },
    );
  }
}

/** The same Idempotency-Key is being processed by another request right now. */
export class RequestInProgressError extends TributaryError {
  constructor() {
    super(
      'REQUEST_IN_PROGRESS',
      'A request with this Idempotency-Key is still in progress; retry shortly to get its result.',
      { retryAfterSeconds: 1 },
    );
  }
}

/** The Idempotency-Key was first used with a different request body. */
export class IdempotencyKeyReusedError extends TributaryError {
  constructor() {
    super(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used for a different request body; use a new key.',
    );
  }
}

export class ThrottledError extends TributaryError {
  constructor(cause?: unknown, retryAfterSeconds = 1) {
    super('THROTTLED', 'The store is throttling requests; retry after the given delay.', {
      cause,
      retryAfterSeconds,
    });
  }
}

export class UnavailableError extends TributaryError {
  constructor(what: string, cause?: unknown) {
    super('UNAVAILABLE', `${what} is temporarily unavailable; the request is safe to retry.`, {
      cause,
      retryAfterSeconds: 1,
    });
  }
}
