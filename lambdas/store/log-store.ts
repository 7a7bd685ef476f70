/**
 * DynamoDB access for the log table. One item per record batch:
 *
 *   stream  (S, partition key)  "{topic}#{topicId}#{partition}"
 *   offset  (N, sort key)       base offset of the batch
 *   n       (N)                 record count
 *   ts      (N)                 largest record timestamp
 *   bytes   (N)                 record bytes before compression
 *   at      (N)                 append time (ms)
 *   data    (B)                 the encoded batch, when inline
 *   blob    (S)                 S3 key of the encoded batch, when spilled
 *   fence   (BOOL)              true on a topic delete's fence (n = 0, no records)
 *
 * A keyed produce's batch is written in one transaction with a pointer item
 * in the idempotency table (`id`, `offset`, `n`, `fp`, `expiration`).
 */
import {
  BatchWriteCommand,
  paginateQuery,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type BatchWriteCommandInput,
  type TransactWriteCommandInput,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type {
  AtomicPart,
  AtomicPutResult,
  BatchItem,
  ForwardPage,
  LogStore,
  OncePart,
  OncePutResult,
  PutBatchResult,
  ReadOptions,
} from '../core/ports';
import { cancellationReasons, isConditionFailure, isTransactionConflict } from './conditions';

type Item = Record<string, unknown>;
type WriteRequests = NonNullable<BatchWriteCommandInput['RequestItems']>[string];

function toItem(stream: string, batch: BatchItem): Item {
  return {
    stream,
    offset: batch.offset,
    n: batch.count,
    ts: batch.maxTimestamp,
    bytes: batch.bytes,
    at: batch.appendedAt,
    ...(batch.blob ? { data: batch.blob } : {}),
    ...(batch.blobKey ? { blob: batch.blobKey } : {}),
  };
}

function fromItem(item: Item): BatchItem {
  return {
    offset: Number(item.offset),
    count: Number(item.n),
    maxTimestamp: Number(item.ts),
    bytes: Number(item.bytes),
    appendedAt: Number(item.at),
    ...(item.data instanceof Uint8Array ? { blob: item.data } : {}),
    ...(typeof item.blob === 'string' ? { blobKey: item.blob } : {}),
    ...(item.fence === true ? { fenced: true } : {}),
  };
}

/** What a failed conditional put of a batch met at its offset: a batch (hop past it) or a delete's fence. */
function occupied(old: Record<string, AttributeValue>): PutBatchResult {
  if (old.fence?.BOOL === true) return { written: false, fenced: true };
  return { written: false, occupant: { offset: Number(old.offset?.N), count: Number(old.n?.N) } };
}

const PUT_IF_FREE = {
  ConditionExpression: 'attribute_not_exists(#offset)',
  ExpressionAttributeNames: { '#offset': 'offset' },
  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
} as const;

export class DynamoLogStore implements LogStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The idempotency table, where keyed produces keep their per-partition pointers. */
    private readonly idempotencyTable?: string,
  ) {}

  async putBatch(stream: string, batch: BatchItem): Promise<PutBatchResult> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(stream, batch),
          ConditionExpression: 'attribute_not_exists(#offset)',
          ExpressionAttributeNames: { '#offset': 'offset' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { written: true };
    } catch (error) {
      if (isConditionFailure(error) && error.Item) return occupied(error.Item);
      throw error;
    }
  }

  async putFence(stream: string, offset: number, at: number): Promise<PutBatchResult> {
    try {
      await this.documents.send(
        new PutCommand({ TableName: this.tableName, Item: { stream, offset, n: 0, ts: 0, bytes: 0, at, fence: true }, ...PUT_IF_FREE }),
      );
      return { written: true };
    } catch (error) {
      if (isConditionFailure(error) && error.Item) return occupied(error.Item);
      throw error;
    }
  }

  async putBatchOnce(stream: string, batch: BatchItem, once: OncePart): Promise<OncePutResult> {
    if (!this.idempotencyTable) throw new Error('DynamoLogStore: no idempotency table configured for keyed produce');
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: toItem(stream, batch), ...PUT_IF_FREE } },
            {
              Put: {
                TableName: this.idempotencyTable,
                Item: { id: once.id, offset: batch.offset, n: batch.count, fp: once.fingerprint, expiration: once.expiresAt },
                // An expired pointer (TTL deletes late) no longer counts.
                ConditionExpression: 'attribute_not_exists(#id) OR #expiration < :now',
                ExpressionAttributeNames: { '#id': 'id', '#expiration': 'expiration' },
                ExpressionAttributeValues: { ':now': Math.floor(batch.appendedAt / 1000) },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      );
      return { written: true };
    } catch (error) {
      if (isTransactionConflict(error)) return { written: false, conflict: true };
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      const pointer = reasons[1];
      if (pointer?.Code === 'ConditionalCheckFailed' && pointer.Item) {
        const old = pointer.Item;
        return {
          written: false,
          already: { offset: Number(old.offset?.N), count: Number(old.n?.N), fingerprint: old.fp?.S ?? '' },
        };
      }
      if (reasons[0]?.Code === 'ConditionalCheckFailed' && reasons[0].Item) return occupied(reasons[0].Item);
      throw error;
    }
  }

  async putBatchAtomically(stream: string, batch: BatchItem, parts: readonly AtomicPart[]): Promise<AtomicPutResult> {
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: toItem(stream, batch),
                ConditionExpression: 'attribute_not_exists(#offset)',
                ExpressionAttributeNames: { '#offset': 'offset' },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            ...parts.map((part) => part.request as NonNullable<TransactWriteCommandInput['TransactItems']>[number]),
          ],
        }),
      );
      return { written: true };
    } catch (error) {
      if (isTransactionConflict(error)) return { written: false, conflict: true };
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      const failedParts = parts.filter((_, i) => reasons[i + 1]?.Code === 'ConditionalCheckFailed').map((p) => p.id);
      if (failedParts.length > 0) return { written: false, failedParts };
      const occupant = reasons[0]?.Item;
      if (reasons[0]?.Code === 'ConditionalCheckFailed' && occupant) return occupied(occupant);
      throw error;
    }
  }

  private async query(input: Omit<QueryCommandInput, 'TableName'>): Promise<{ items: BatchItem[]; more: boolean }> {
    const out = await this.documents.send(new QueryCommand({ TableName: this.tableName, ...input }));
    return { items: (out.Items ?? []).map(fromItem), more: out.LastEvaluatedKey !== undefined };
  }

  async newest(stream: string, options: ReadOptions = {}): Promise<BatchItem | undefined> {
    const { items } = await this.query({
      KeyConditionExpression: '#stream = :stream',
      ExpressionAttributeNames: { '#stream': 'stream' },
      ExpressionAttributeValues: { ':stream': stream },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: options.consistent ?? false,
    });
    return items[0];
  }

  async atOrBefore(stream: string, offset: number, options: ReadOptions = {}): Promise<BatchItem | undefined> {
    const { items } = await this.query({
      KeyConditionExpression: '#stream = :stream AND #offset <= :offset',
      ExpressionAttributeNames: { '#stream': 'stream', '#offset': 'offset' },
      ExpressionAttributeValues: { ':stream': stream, ':offset': offset },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: options.consistent ?? false,
    });
    return items[0];
  }

  async forward(stream: string, offset: number, limit: number, options: ReadOptions = {}): Promise<ForwardPage> {
    const { items, more } = await this.query({
      KeyConditionExpression: '#stream = :stream AND #offset >= :offset',
      ExpressionAttributeNames: { '#stream': 'stream', '#offset': 'offset' },
      ExpressionAttributeValues: { ':stream': stream, ':offset': offset },
      ScanIndexForward: true,
      Limit: limit,
      ConsistentRead: options.consistent ?? false,
    });
    // With a Limit, DynamoDB may return a LastEvaluatedKey even when nothing follows;
    // `reachedEnd` is only claimed when it is certain.
    return { items, reachedEnd: !more && items.length < limit };
  }

  async purge(stream: string, fenceSince = Number.POSITIVE_INFINITY): Promise<string[]> {
    const blobKeys: string[] = [];
    const pages = paginateQuery(
      { client: this.documents },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#stream = :stream',
        ExpressionAttributeNames: { '#stream': 'stream', '#offset': 'offset', '#blob': 'blob', '#at': 'at', '#fence': 'fence' },
        ExpressionAttributeValues: { ':stream': stream },
        ProjectionExpression: '#offset, #blob, #at, #fence',
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      const items = (page.Items ?? []).filter((item) => item.fence !== true);
      for (const item of items) if (typeof item.blob === 'string') blobKeys.push(item.blob);
      const requests = items.map((item) =>
        Number(item.at) >= fenceSince
          ? { PutRequest: { Item: { stream, offset: Number(item.offset), n: 0, ts: 0, bytes: 0, at: Number(item.at), fence: true } } }
          : { DeleteRequest: { Key: { stream, offset: Number(item.offset) } } },
      );
      for (let i = 0; i < requests.length; i += 25) await this.batchWrite(requests.slice(i, i + 25));
    }
    return blobKeys;
  }

  async clearPayload(stream: string, offset: number): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { stream, offset },
        ConditionExpression: 'attribute_exists(#offset)',
        UpdateExpression: 'REMOVE #data, #blob SET #bytes = :zero',
        ExpressionAttributeNames: { '#offset': 'offset', '#data': 'data', '#blob': 'blob', '#bytes': 'bytes' },
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  }

  async deleteBatches(stream: string, offsets: readonly number[]): Promise<void> {
    for (let i = 0; i < offsets.length; i += 25) await this.batchDelete(stream, offsets.slice(i, i + 25));
  }

  private async batchDelete(stream: string, offsets: readonly number[]): Promise<void> {
    await this.batchWrite(offsets.map((offset) => ({ DeleteRequest: { Key: { stream, offset } } })));
  }

  private async batchWrite(writes: WriteRequests): Promise<void> {
    let requests = [...writes];
    for (let attempt = 0; requests.length > 0; attempt++) {
      const out = await this.documents.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
      );
      requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      if (requests.length > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
    }
  }
}
