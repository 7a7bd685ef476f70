/**
 * DynamoDB access for dead letters (the `deadLetters` table):
 *
 *   topic (PK), sk = "{group}#{id}"; id from core/dead-letters.ts deadLetterId
 *   group, partition, offset, deliveryAttempts, lastError, deadLetteredAt, topicId,
 *   data (B) the record as a one-record batch blob, or blob (S) its S3 key
 *
 * Keys sort by group, then partition and offset, so a group's dead letters
 * list oldest first per partition.
 */
import {
  DeleteCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { InvalidRequestError } from '../core/errors';
import { batchGetAll } from './batch-get';
import type { AtomicPart, DeadLetterPage, DeadLetterStore, StoredDeadLetter } from '../core/ports';

type Item = Record<string, unknown>;

export function deadLetterItem(letter: StoredDeadLetter): Item {
  return {
    topic: letter.topic,
    sk: `${letter.group}#${letter.id}`,
    id: letter.id,
    group: letter.group,
    partition: letter.partition,
    offset: letter.offset,
    topicId: letter.topicId,
    deliveryAttempts: letter.deliveryAttempts,
    ...(letter.lastError !== undefined ? { lastError: letter.lastError } : {}),
    deadLetteredAt: letter.deadLetteredAt,
    ...(letter.blob ? { data: letter.blob } : {}),
    ...(letter.blobKey ? { blob: letter.blobKey } : {}),
  };
}

function fromItem(item: Item): StoredDeadLetter {
  return {
    topic: String(item.topic),
    id: String(item.id),
    group: String(item.group),
    partition: Number(item.partition),
    offset: Number(item.offset),
    topicId: String(item.topicId),
    deliveryAttempts: Number(item.deliveryAttempts),
    lastError: typeof item.lastError === 'string' ? item.lastError : undefined,
    deadLetteredAt: Number(item.deadLetteredAt),
    ...(item.data instanceof Uint8Array ? { blob: item.data } : {}),
    ...(typeof item.blob === 'string' ? { blobKey: item.blob } : {}),
  };
}

function encodeCursor(key: Item | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify({ sk: key.sk }), 'utf8').toString('base64url') : undefined;
}

/** Decodes a list cursor; a cursor this API did not issue (for this group) is a 400. */
export function decodeCursor(topic: string, group: string | undefined, cursor: string): Item {
  let sk: unknown;
  try {
    sk = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { sk?: unknown }).sk;
  } catch {
    sk = undefined;
  }
  const valid =
    typeof sk === 'string' && /^[a-zA-Z0-9._-]{1,249}#\d{5}-\d{16}-[0-9a-f]{1,8}$/.test(sk) && (!group || sk.startsWith(`${group}#`));
  if (!valid) throw new InvalidRequestError('not a cursor from this API (for this group)', 'cursor');
  return { topic, sk };
}

export class DynamoDeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(
    topic: string,
    topicId: string,
    group: string | undefined,
    limit: number,
    cursor: string | undefined,
    consistent = false,
  ): Promise<DeadLetterPage> {
    const out = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: group ? '#topic = :topic AND begins_with(#sk, :group)' : '#topic = :topic',
        // Dead letters of an earlier topic of the same name are not this topic's.
        FilterExpression: '#topicId = :topicId',
        ExpressionAttributeNames: { '#topic': 'topic', '#topicId': 'topicId', ...(group ? { '#sk': 'sk' } : {}) },
        ExpressionAttributeValues: { ':topic': topic, ':topicId': topicId, ...(group ? { ':group': `${group}#` } : {}) },
        Limit: limit,
        ConsistentRead: consistent,
        ExclusiveStartKey: cursor ? decodeCursor(topic, group, cursor) : undefined,
      }),
    );
    return { deadLetters: (out.Items ?? []).map(fromItem), cursor: encodeCursor(out.LastEvaluatedKey) };
  }

  async select(
    topic: string,
    topicId: string,
    group: string,
    ids: readonly string[] | undefined,
    limit: number,
  ): Promise<StoredDeadLetter[]> {
    if (ids === undefined) {
      const found: StoredDeadLetter[] = [];
      let cursor: string | undefined;
      do {
        // Consistent: a redrive must not see the letters it has just removed.
        const page = await this.list(topic, topicId, group, limit, cursor, true);
        found.push(...page.deadLetters);
        cursor = page.cursor;
      } while (cursor && found.length < limit);
      return found;
    }
    const keys = [...new Set(ids)].map((id) => ({ topic, sk: `${group}#${id}` }));
    const found = (await batchGetAll(this.documents, this.tableName, keys)).map(fromItem);
    return found.filter((l) => l.topicId === topicId).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async delete(topic: string, group: string, id: string): Promise<StoredDeadLetter | undefined> {
    const out = await this.documents.send(
      new DeleteCommand({ TableName: this.tableName, Key: { topic, sk: `${group}#${id}` }, ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes ? fromItem(out.Attributes) : undefined;
  }

  removalPart(topic: string, group: string, id: string): AtomicPart {
    return {
      store: 'deadLetters',
      id,
      request: {
        Delete: {
          TableName: this.tableName,
          Key: { topic, sk: `${group}#${id}` },
          ConditionExpression: 'attribute_exists(#sk)',
          ExpressionAttributeNames: { '#sk': 'sk' },
        },
      },
    };
  }
}
