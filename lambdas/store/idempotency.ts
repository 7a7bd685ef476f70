/**
 * Idempotency-Key for produce, on Powertools for AWS Lambda (idempotency):
 * the first request with a key stores its response for 24 hours; a repeat
 * within that time stores nothing and gets the same response. A repeat
 * while the first is still running gets REQUEST_IN_PROGRESS (409, safe to
 * retry); the same key with a different body gets IDEMPOTENCY_KEY_REUSED.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { IdempotencyKeyReusedError, RequestInProgressError, TributaryError, UnavailableError } from '../core/errors';
import { IDEMPOTENCY_TTL_SECONDS } from '../core/limits';

export interface IdempotentCall<T> {
  topic: string;
  idempotencyKey: string;
  /** What must be identical for a repeat (the request body as received). */
  fingerprint: string;
  run: () => Promise<T>;
}

/** Wraps calls so that a repeated (topic, Idempotency-Key) returns the first result. */
export function createIdempotencyGuard(client: DynamoDBClient, tableName: string) {
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[topic, idempotencyKey]',
    payloadValidationJmesPath: 'fingerprint',
    expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
    throwOnNoIdempotencyKey: true,
  });
  const idempotent = makeIdempotent(
    async (call: IdempotentCall<unknown>, _context: Context) => call.run(),
    { persistenceStore, config, keyPrefix: 'tributary.produce' },
  );
  return async function once<T>(call: IdempotentCall<T>, context: Context): Promise<T> {
    try {
      return (await idempotent(call as IdempotentCall<unknown>, context)) as T;
    } catch (error) {
      throw translate(error);
    }
  };
}

function translate(error: unknown): unknown {
  if (error instanceof TributaryError || !(error instanceof Error)) return error;
  if (error.name === 'IdempotencyAlreadyInProgressError') return new RequestInProgressError();
  if (error.name === 'IdempotencyValidationError') return new IdempotencyKeyReusedError();
  if (error.cause instanceof TributaryError) return error.cause;
  if (error.name.startsWith('Idempotency')) return new UnavailableError('The idempotency store', error);
  return error;
}
