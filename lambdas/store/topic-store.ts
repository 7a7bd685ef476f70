/**
 * DynamoDB access for the topics table:
 *
 *   topic = name, sk = "config"                        the topic: id, partitions, config
 *   topic = name, sk = "partition#{topicId}#{NNNNN}"   a partition's start offset and archive mark
 *
 * Partition items exist only once retention or the archiver has moved a
 * partition's marks; absent means start 0, nothing archived. They carry the
 * topic id so that a deleted-and-recreated topic never inherits them.
 */
import {
  DeleteCommand,
  GetCommand,
  paginateQuery,
  paginateScan,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { PartitionState, ReadOptions, TopicPatch, TopicStore } from '../core/ports';
import type { Topic, TopicConfig } from '../core/types';
import { isConditionFailure } from './conditions';

const CONFIG_SK = 'config';
const CONFIG_KEYS: ReadonlyArray<keyof TopicConfig> = [
  'retentionMs',
  'retentionBytes',
  'archiveAfterMs',
  'maxDeliveryAttempts',
];

export function partitionSortKey(topicId: string, partition: number): string {
  return `partition#${topicId}#${String(partition).padStart(5, '0')}`;
}

function fromItem(item: Record<string, unknown>): Topic {
  return {
    name: String(item.topic),
    topicId: String(item.topicId),
    partitions: Number(item.partitions),
    createdAt: Number(item.createdAt),
    config: {
      retentionMs: Number(item.retentionMs),
      retentionBytes: Number(item.retentionBytes),
      archiveAfterMs: Number(item.archiveAfterMs),
      maxDeliveryAttempts: Number(item.maxDeliveryAttempts),
    },
  };
}

function toState(partition: number, item: Record<string, unknown> | undefined): PartitionState {
  return {
    partition,
    startOffset: Number(item?.startOffset ?? 0),
    archivedOffset: Number(item?.archivedOffset ?? 0),
    archivedBytes: Number(item?.archivedBytes ?? 0),
    // Counted only once measured; archive steps subtract from it (segment-catalog.ts), never below zero.
    ...(item?.hotBytes !== undefined && item.hotMeasuredAt !== undefined
      ? { hotBytes: Math.max(0, Number(item.hotBytes)), hotMeasuredAt: Number(item.hotMeasuredAt) }
      : {}),
  };
}

export class DynamoTopicStore implements TopicStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(topic: Topic): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            topic: topic.name,
            sk: CONFIG_SK,
            topicId: topic.topicId,
            partitions: topic.partitions,
            createdAt: topic.createdAt,
            ...topic.config,
          },
          ConditionExpression: 'attribute_not_exists(#topic)',
          ExpressionAttributeNames: { '#topic': 'topic' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(name: string, options: ReadOptions = {}): Promise<Topic | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { topic: name, sk: CONFIG_SK },
        ConsistentRead: options.consistent ?? false,
      }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async list(): Promise<Array<Pick<Topic, 'name' | 'partitions'>>> {
    const topics: Array<Pick<Topic, 'name' | 'partitions'>> = [];
    const pages = paginateScan(
      { client: this.documents },
      {
        TableName: this.tableName,
        FilterExpression: '#sk = :config',
        ProjectionExpression: '#topic, #partitions',
        ExpressionAttributeNames: { '#sk': 'sk', '#topic': 'topic', '#partitions': 'partitions' },
        ExpressionAttributeValues: { ':config': CONFIG_SK },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) topics.push({ name: String(item.topic), partitions: Number(item.partitions) });
    }
    return topics.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async update(name: string, patch: TopicPatch): Promise<Topic | 'not-found' | 'partitions-decrease'> {
    const sets: string[] = [];
    const values: Record<string, unknown> = {};
    const names: Record<string, string> = {};
    for (const key of CONFIG_KEYS) {
      if (patch[key] === undefined) continue;
      sets.push(`#${key} = :${key}`);
      names[`#${key}`] = key;
      values[`:${key}`] = patch[key];
    }
    let condition = 'attribute_exists(#topic)';
    names['#topic'] = 'topic';
    if (patch.partitions !== undefined) {
      sets.push('#partitions = :partitions');
      names['#partitions'] = 'partitions';
      values[':partitions'] = patch.partitions;
      condition += ' AND #partitions <= :partitions';
    }
    if (sets.length === 0) {
      const current = await this.get(name, { consistent: true });
      return current ?? 'not-found';
    }
    try {
      const out = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { topic: name, sk: CONFIG_SK },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return fromItem(out.Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) return error.Item ? 'partitions-decrease' : 'not-found';
      throw error;
    }
  }

  async delete(name: string): Promise<Topic | undefined> {
    const out = await this.documents.send(
      new DeleteCommand({ TableName: this.tableName, Key: { topic: name, sk: CONFIG_SK }, ReturnValues: 'ALL_OLD' }),
    );
    if (!out.Attributes) return undefined;
    const topic = fromItem(out.Attributes);
    for (const state of await this.partitionStates(topic)) {
      await this.documents.send(
        new DeleteCommand({ TableName: this.tableName, Key: { topic: name, sk: partitionSortKey(topic.topicId, state.partition) } }),
      );
    }
    return topic;
  }

  async partitionStates(topic: Topic): Promise<PartitionState[]> {
    const states: PartitionState[] = [];
    const prefix = `partition#${topic.topicId}#`;
    const pages = paginateQuery(
      { client: this.documents },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#topic = :topic AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#topic': 'topic', '#sk': 'sk' },
        ExpressionAttributeValues: { ':topic': topic.name, ':prefix': prefix },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) states.push(toState(Number(String(item.sk).slice(prefix.length)), item));
    }
    return states;
  }

  async partitionState(topic: Topic, partition: number, options: ReadOptions = {}): Promise<PartitionState> {
    const { Item } = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { topic: topic.name, sk: partitionSortKey(topic.topicId, partition) },
        ConsistentRead: options.consistent ?? false,
      }),
    );
    return toState(partition, Item);
  }
}
