/**
 * The segment catalog and partition marks, in the topics table:
 *
 *   topic = name, sk = "partition#{topicId}#{PPPPP}"
 *       startOffset, archivedOffset, archivedBytes, hotBytes, hotMeasuredAt
 *   topic = name, sk = "segment#{topicId}#{PPPPP}#{base:20}"
 *       base, end, bytes, objectBytes, maxTimestamp, key
 *   topic = name, sk = "segidx#{topicId}#{PPPPP}#{base:20}"
 *       idx (B): the offset index, 32 bytes per batch (core/archive/segment.ts)
 *
 * A segment's entries and the move of the archive mark are one transaction,
 * so a reader below the mark always finds the segment.
 */
import {
  GetCommand,
  paginateQuery,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { PartitionState, SegmentCatalog, SegmentInfo } from '../core/ports';
import type { Topic } from '../core/types';
import { cancellationReasons, isConditionFailure, isTransactionConflict } from './conditions';
import { partitionSortKey } from './topic-store';

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const segmentPrefix = (topic: Topic, partition: number) => `segment#${topic.topicId}#${pad(partition, 5)}#`;
const segmentSk = (topic: Topic, partition: number, base: number) => `${segmentPrefix(topic, partition)}${pad(base, 20)}`;
const indexSk = (topic: Topic, partition: number, base: number) => `segidx#${topic.topicId}#${pad(partition, 5)}#${pad(base, 20)}`;

function toInfo(item: Record<string, unknown>): SegmentInfo {
  return {
    base: Number(item.base),
    end: Number(item.end),
    bytes: Number(item.bytes),
    objectBytes: Number(item.objectBytes),
    maxTimestamp: Number(item.maxTimestamp),
    key: String(item.key),
  };
}

export class DynamoSegmentCatalog implements SegmentCatalog {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async commitSegment(topic: Topic, partition: number, segment: SegmentInfo, index: Uint8Array, expectedArchived: number): Promise<boolean> {
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: { topic: topic.name, sk: segmentSk(topic, partition, segment.base), ...segment } } },
            { Put: { TableName: this.tableName, Item: { topic: topic.name, sk: indexSk(topic, partition, segment.base), idx: index } } },
            {
              Update: {
                TableName: this.tableName,
                Key: { topic: topic.name, sk: partitionSortKey(topic.topicId, partition) },
                ConditionExpression:
                  expectedArchived === 0
                    ? 'attribute_not_exists(#archived) OR #archived = :expected'
                    : '#archived = :expected',
                // The segment's bytes leave the hot tier with the mark: hotBytes stays right without a re-measure
                // (unmeasured, it goes negative and is not reported until the first measure sets it).
                UpdateExpression:
                  'SET #archived = :end, #archivedBytes = if_not_exists(#archivedBytes, :zero) + :bytes, #start = if_not_exists(#start, :zero), #hot = if_not_exists(#hot, :zero) - :bytes',
                ExpressionAttributeNames: { '#archived': 'archivedOffset', '#archivedBytes': 'archivedBytes', '#start': 'startOffset', '#hot': 'hotBytes' },
                ExpressionAttributeValues: { ':expected': expectedArchived, ':end': segment.end, ':bytes': segment.bytes, ':zero': 0 },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isTransactionConflict(error) || cancellationReasons(error)) return false;
      throw error;
    }
  }

  async segmentAt(topic: Topic, partition: number, offset: number): Promise<{ info: SegmentInfo; index: Uint8Array } | undefined> {
    const out = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#topic = :topic AND #sk BETWEEN :low AND :high',
        ExpressionAttributeNames: { '#topic': 'topic', '#sk': 'sk' },
        ExpressionAttributeValues: {
          ':topic': topic.name,
          ':low': segmentPrefix(topic, partition),
          ':high': segmentSk(topic, partition, offset),
        },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const header = out.Items?.[0];
    if (!header) return undefined;
    const info = toInfo(header);
    if (offset >= info.end) return undefined;
    const index = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { topic: topic.name, sk: indexSk(topic, partition, info.base) } }),
    );
    if (!(index.Item?.idx instanceof Uint8Array)) return undefined;
    return { info, index: index.Item.idx };
  }

  async segments(topic: Topic, partition: number): Promise<SegmentInfo[]> {
    const out: SegmentInfo[] = [];
    const pages = paginateQuery(
      { client: this.documents },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#topic = :topic AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#topic': 'topic', '#sk': 'sk' },
        ExpressionAttributeValues: { ':topic': topic.name, ':prefix': segmentPrefix(topic, partition) },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) out.push(...(page.Items ?? []).map(toInfo));
    return out;
  }

  async raiseStart(topic: Topic, partition: number, to: number, releasedBytes: number): Promise<void> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { topic: topic.name, sk: partitionSortKey(topic.topicId, partition) },
          ConditionExpression: 'attribute_not_exists(#start) OR #start < :to',
          UpdateExpression:
            'SET #start = :to, #archived = if_not_exists(#archived, :zero), #archivedBytes = if_not_exists(#archivedBytes, :zero) - :released',
          ExpressionAttributeNames: { '#start': 'startOffset', '#archived': 'archivedOffset', '#archivedBytes': 'archivedBytes' },
          ExpressionAttributeValues: { ':to': to, ':zero': 0, ':released': releasedBytes },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // The archive mark never stays below the start offset.
    await this.documents
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { topic: topic.name, sk: partitionSortKey(topic.topicId, partition) },
          ConditionExpression: '#archived < :to',
          UpdateExpression: 'SET #archived = :to',
          ExpressionAttributeNames: { '#archived': 'archivedOffset' },
          ExpressionAttributeValues: { ':to': to },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  async removeSegment(topic: Topic, partition: number, base: number): Promise<void> {
    await this.documents.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: this.tableName, Key: { topic: topic.name, sk: segmentSk(topic, partition, base) } } },
          { Delete: { TableName: this.tableName, Key: { topic: topic.name, sk: indexSk(topic, partition, base) } } },
        ],
      }),
    );
  }

  async recordHotBytes(topic: Topic, partition: number, bytes: number, at: number): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { topic: topic.name, sk: partitionSortKey(topic.topicId, partition) },
        UpdateExpression:
          'SET #hot = :bytes, #at = :at, #start = if_not_exists(#start, :zero), #archived = if_not_exists(#archived, :zero)',
        ExpressionAttributeNames: { '#hot': 'hotBytes', '#at': 'hotMeasuredAt', '#start': 'startOffset', '#archived': 'archivedOffset' },
        ExpressionAttributeValues: { ':bytes': bytes, ':at': at, ':zero': 0 },
      }),
    );
  }

  async releaseHotBytes(topic: Topic, partition: number, bytes: number): Promise<void> {
    await this.documents
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { topic: topic.name, sk: partitionSortKey(topic.topicId, partition) },
          ConditionExpression: 'attribute_exists(#hot)',
          UpdateExpression: 'SET #hot = #hot - :bytes',
          ExpressionAttributeNames: { '#hot': 'hotBytes' },
          ExpressionAttributeValues: { ':bytes': bytes },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  async state(topic: Topic, partition: number): Promise<PartitionState> {
    const { Item } = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { topic: topic.name, sk: partitionSortKey(topic.topicId, partition) },
        ConsistentRead: true,
      }),
    );
    return {
      partition,
      startOffset: Number(Item?.startOffset ?? 0),
      archivedOffset: Number(Item?.archivedOffset ?? 0),
      archivedBytes: Number(Item?.archivedBytes ?? 0),
      // hotBytes counts only once measured; archive steps subtract from it, never below zero.
      ...(Item?.hotBytes !== undefined && Item.hotMeasuredAt !== undefined
        ? { hotBytes: Math.max(0, Number(Item.hotBytes)), hotMeasuredAt: Number(Item.hotMeasuredAt) }
        : {}),
    };
  }
}
