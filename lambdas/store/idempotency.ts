/**
 * The request-level record of a keyed produce (`Idempotency-Key`), in the
 * idempotency table: which request body first used the key (a hash) and over
 * how many partitions its records were assigned. Exactness per partition
 * comes from the pointer items written with each batch (see
 * `DynamoLogStore.putBatchOnce`); this record only refuses a key reused with
 * another body and pins the partition count for retries.
 *
 *   id          (S)  "tributary.request#{topic}#{topicId}#{sha256(key)}"
 *   fp          (S)  sha256 of the request body
 *   partitions  (N)  the topic's partition count at the first attempt
 *   expiration  (N)  epoch seconds (the table's TTL attribute), 24 h
 */
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IdempotencyStore } from '../core/ports';
import { isConditionFailure } from './conditions';

export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(id: string, fingerprint: string, partitions: number, expiresAt: number): Promise<{ partitions: number } | undefined> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { id, fp: fingerprint, partitions, expiration: expiresAt },
          // TTL deletes late: an expired record is free again.
          ConditionExpression: 'attribute_not_exists(#id) OR #expiration < :now',
          ExpressionAttributeNames: { '#id': 'id', '#expiration': 'expiration' },
          ExpressionAttributeValues: { ':now': Math.floor(this.now() / 1000) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { partitions };
    } catch (error) {
      if (!isConditionFailure(error) || !error.Item) throw error;
      if (error.Item.fp?.S !== fingerprint) return undefined;
      return { partitions: Number(error.Item.partitions?.N) };
    }
  }
}
