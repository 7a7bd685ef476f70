/**
 * DynamoDB access for live notifications (the `connections` table):
 *
 * - `pk = "c#{connectionId}"`, `sk = "-"`: the connection (`tokenId`,
 *   `connectedAt`, `topics`: string set of watched topics).
 * - `pk = "w#{topic}"`, `sk = "{connectionId}"`: one watch (`tokenId`,
 *   `group`, and for coalescing `notifiedSecond` and `ends`, the end offsets
 *   the last notification carried).
 *
 * Every item carries `ttl` (epoch seconds): API Gateway closes every
 * connection after 2 hours, so items of connections whose `$disconnect` was
 * lost vanish on their own shortly after.
 */
import {
  DeleteCommand,
  GetCommand,
  paginateQuery,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type {
  ConnectionStore,
  LiveConnection,
  LiveWatch,
  NotificationClaim,
  PartitionEnds,
} from '../core/live/ports';
import { isConditionFailure } from './conditions';

const CONNECTION_SK = '-';
const connectionKey = (connectionId: string) => ({ pk: `c#${connectionId}`, sk: CONNECTION_SK });
const watchKey = (topic: string, connectionId: string) => ({ pk: `w#${topic}`, sk: connectionId });
const ttl = (epochMs: number) => Math.ceil(epochMs / 1000);

export class DynamoConnectionStore implements ConnectionStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putConnection(connection: LiveConnection): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...connectionKey(connection.connectionId),
          tokenId: connection.tokenId,
          connectedAt: connection.connectedAt,
          expiresAt: connection.expiresAt,
          ttl: ttl(connection.expiresAt),
          ...(connection.topics.length ? { topics: new Set(connection.topics) } : {}),
        },
      }),
    );
  }

  async getConnection(connectionId: string): Promise<LiveConnection | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: connectionKey(connectionId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      connectionId,
      tokenId: String(Item.tokenId),
      connectedAt: Number(Item.connectedAt),
      expiresAt: Number(Item.expiresAt),
      topics: Item.topics instanceof Set ? [...(Item.topics as Set<string>)] : [],
    };
  }

  async deleteConnection(connectionId: string): Promise<void> {
    const { Attributes } = await this.documents.send(
      new DeleteCommand({ TableName: this.tableName, Key: connectionKey(connectionId), ReturnValues: 'ALL_OLD' }),
    );
    const topics = Attributes?.topics instanceof Set ? [...(Attributes.topics as Set<string>)] : [];
    await Promise.all(topics.map((topic) => this.deleteWatch(topic, connectionId, false)));
  }

  async putWatch(watch: LiveWatch): Promise<boolean> {
    try {
      // The connection first (conditionally: it must still exist), so deleteConnection finds every watch.
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: connectionKey(watch.connectionId),
          UpdateExpression: 'ADD topics :topic',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':topic': new Set([watch.topic]) },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: watchKey(watch.topic, watch.connectionId),
        UpdateExpression: 'SET tokenId = :tokenId, #group = :group, expiresAt = :expiresAt, #ttl = :ttl',
        ExpressionAttributeNames: { '#group': 'group', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':tokenId': watch.tokenId,
          ':group': watch.group ?? null,
          ':expiresAt': watch.expiresAt,
          ':ttl': ttl(watch.expiresAt),
        },
      }),
    );
    return true;
  }

  async deleteWatch(topic: string, connectionId: string, updateConnection = true): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: watchKey(topic, connectionId) }));
    if (!updateConnection) return;
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: connectionKey(connectionId),
          UpdateExpression: 'DELETE topics :topic',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':topic': new Set([topic]) },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async watchers(topic: string): Promise<LiveWatch[]> {
    const watches: LiveWatch[] = [];
    const pages = paginateQuery(
      { client: this.documents },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `w#${topic}` },
        ProjectionExpression: 'sk, tokenId, #group, expiresAt',
        ExpressionAttributeNames: { '#group': 'group' },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        watches.push({
          topic,
          connectionId: String(item.sk),
          tokenId: String(item.tokenId),
          group: typeof item.group === 'string' ? item.group : undefined,
          expiresAt: Number(item.expiresAt),
        });
      }
    }
    return watches;
  }

  async claimNotification(
    topic: string,
    connectionId: string,
    second: number,
    ends: PartitionEnds,
  ): Promise<NotificationClaim> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: watchKey(topic, connectionId),
          UpdateExpression: 'SET notifiedSecond = :second, ends = :ends',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(notifiedSecond) OR notifiedSecond < :second)',
          ExpressionAttributeValues: { ':second': second, ':ends': JSON.stringify(ends) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      if (!error.Item) return { claimed: false, second: undefined, ends: {} };
      // The old item comes back as raw attribute values (the document client does not convert errors).
      const { notifiedSecond, ends: oldEnds } = error.Item;
      return {
        claimed: false,
        second: notifiedSecond?.N === undefined ? -1 : Number(notifiedSecond.N),
        ends: JSON.parse(oldEnds?.S ?? '{}') as PartitionEnds,
      };
    }
  }
}
