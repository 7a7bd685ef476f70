/** Recognizes DynamoDB conditional-write failures without depending on class identity. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export interface ConditionFailure extends Error {
  /** The item as it was, when the request asked for ALL_OLD on failure. */
  Item?: Record<string, AttributeValue>;
}

export function isConditionFailure(error: unknown): error is ConditionFailure {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export interface CancellationReason {
  Code?: string;
  Item?: Record<string, AttributeValue>;
}

/**
 * The per-item reasons of a cancelled transaction, when every cancellation is
 * a condition failure or "None"; undefined for other errors (including
 * transaction conflicts, which the caller should retry).
 */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as Error & { CancellationReasons?: CancellationReason[] }).CancellationReasons;
  if (!reasons || !reasons.some((r) => r.Code === 'ConditionalCheckFailed')) return undefined;
  return reasons;
}

/** True for a transaction cancelled because another request touched the same items at once. */
export function isTransactionConflict(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TransactionConflictException') return true;
  const reasons = (error as Error & { CancellationReasons?: CancellationReason[] }).CancellationReasons;
  return error.name === 'TransactionCanceledException' && !!reasons?.some((r) => r.Code === 'TransactionConflict');
}
