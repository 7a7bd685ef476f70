/** Recognizes DynamoDB conditional-write failures without depending on class identity. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export interface ConditionFailure extends Error {
  /** The item as it was, when the request asked for ALL_OLD on failure. */
  Item?: Record<string, AttributeValue>;
}

export function isConditionFailure(error: unknown): error is ConditionFailure {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
