/**
 * DynamoDB access for consumer groups (the `groups` table). Per (group, topic):
 *
 *   gt = "{group}#{topic}", sk = "members#{topicId}"
 *       version (N)        bumped by every change of assignment
 *       "m:{consumer}" (N) session expiry of each member (its heartbeat)
 *       "h:{consumer}" (L) partitions the member holds
 *   gt = "{group}#{topic}", sk = "p#{topicId}#{NNNNN}"
 *       committed, holder, epoch, attempts, lastError, retryAt
 *   gt = "{group}#{topic}", sk = "d#{topicId}#{consumer}"
 *       "d:{partition}" (L) [epoch, delivered]: what the consumer's polls handed
 *       out (poison-record detection); one write per poll that delivers records
 *
 * One heartbeat write returns the whole member view, so a poll learns who is
 * live and who holds what without reading every partition. Assignment
 * changes are transactions conditional on `version`; the partition items
 * carry the holder for fencing commits.
 */
import {
  BatchWriteCommand,
  GetCommand,
  paginateQuery,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type {
  AssignmentChange,
  CommitOutcome,
  DeliveryMark,
  GroupKey,
  GroupPartition,
  GroupStore,
  GroupView,
  OffsetResetChange,
  ReadOptions,
  StoredDeadLetter,
} from '../core/ports';
import { batchGetAll } from './batch-get';
import { cancellationReasons, isConditionFailure, isTransactionConflict } from './conditions';
import { deadLetterItem } from './dead-letter-store';
import {
  marksSk,
  INDEXED,
  membersSk,
  partitionPrefix,
  partitionSk,
  pk,
  readerPrefix,
  readersPk,
  readerSk,
  reassignItems,
  releaseItem,
  resetItems,
  toPartition,
  toView,
  type TransactItem,
} from './group-items';

type Item = Record<string, unknown>;

export class DynamoGroupStore implements GroupStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Needed to dead-letter (a nack, or a poll that finds a record's leases lapsed maxDeliveryAttempts times). */
    private readonly deadLettersTable: string | undefined,
  ) {}

  async heartbeat(key: GroupKey, consumer: string, expiresAt: number): Promise<GroupView> {
    const out = await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { gt: pk(key), sk: membersSk(key) },
        UpdateExpression: 'SET #m = :expires, #v = if_not_exists(#v, :zero)',
        ExpressionAttributeNames: { '#m': `m:${consumer}`, '#v': 'version' },
        ExpressionAttributeValues: { ':expires': expiresAt, ':zero': 0 },
        // The old image tells whether this member's session had lapsed; the new one differs only by its expiry.
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (out.Attributes?.[INDEXED] !== true) await this.index(key);
    const old = toView(out.Attributes);
    const members = new Map(old.members);
    const previous = members.get(consumer);
    members.set(consumer, { expiresAt, held: previous?.held ?? [] });
    return { version: old.version, members, previousExpiresAt: previous && previous.expiresAt > 0 ? previous.expiresAt : undefined };
  }

  async markDelivered(key: GroupKey, consumer: string, marks: readonly DeliveryMark[]): Promise<void> {
    if (marks.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    marks.forEach((mark, i) => {
      names[`#d${i}`] = `d:${mark.partition}`;
      values[`:d${i}`] = [mark.epoch, mark.delivered];
    });
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { gt: pk(key), sk: marksSk(key, consumer) },
        UpdateExpression: `SET ${marks.map((_, i) => `#d${i} = :d${i}`).join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async deliveryMarks(key: GroupKey, consumer: string, options: ReadOptions = {}): Promise<Map<number, DeliveryMark>> {
    const out = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { gt: pk(key), sk: marksSk(key, consumer) },
        ConsistentRead: options.consistent ?? true,
      }),
    );
    const marks = new Map<number, DeliveryMark>();
    for (const [name, value] of Object.entries(out.Item ?? {})) {
      if (!name.startsWith('d:') || !Array.isArray(value)) continue;
      const partition = Number(name.slice(2));
      marks.set(partition, { partition, epoch: Number(value[0]), delivered: Number(value[1]) });
    }
    return marks;
  }

  async recordExpiry(key: GroupKey, expected: GroupPartition, consumer: string, attempts: number, lastError: string): Promise<boolean> {
    const condition = this.failureCondition(expected);
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { gt: pk(key), sk: partitionSk(key, expected.partition) },
          ConditionExpression: condition.ConditionExpression,
          UpdateExpression: 'SET #attempts = :newAttempts, #lastError = :error',
          ExpressionAttributeNames: { ...condition.names, '#lastError': 'lastError' },
          ExpressionAttributeValues: { ...condition.values, ':me': consumer, ':newAttempts': attempts, ':error': lastError },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async resetOffsets(key: GroupKey, change: OffsetResetChange): Promise<boolean> {
    return this.transact(resetItems(this.tableName, key, change));
  }

  /**
   * Adds the group to its topic's index (`GET /v1/topics/{topic}/groups`),
   * then marks the member item so later heartbeats skip it: two small writes
   * once per group and topic incarnation. Groups from before the index
   * existed are added by their next poll. Concurrent first polls write the
   * same item twice, which is harmless.
   */
  private async index(key: GroupKey): Promise<void> {
    await this.documents.send(
      new PutCommand({ TableName: this.tableName, Item: { gt: readersPk(key.topic), sk: readerSk(key), group: key.group } }),
    );
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { gt: pk(key), sk: membersSk(key) },
        UpdateExpression: 'SET #indexed = :true',
        ExpressionAttributeNames: { '#indexed': INDEXED },
        ExpressionAttributeValues: { ':true': true },
      }),
    );
  }

  async groupsReading(topic: string, topicId: string): Promise<string[]> {
    const names: string[] = [];
    const pages = paginateQuery(
      { client: this.documents },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#gt = :gt AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#gt': 'gt', '#sk': 'sk' },
        ExpressionAttributeValues: { ':gt': readersPk(topic), ':prefix': readerPrefix(topicId) },
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) names.push(String(item.group));
    return names;
  }

  async reassign(key: GroupKey, change: AssignmentChange): Promise<boolean> {
    return this.transact(reassignItems(this.tableName, key, change));
  }

  async forget(key: GroupKey, members: ReadonlyMap<string, number>): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const conditions: string[] = [];
    const removes: string[] = [];
    [...members].forEach(([member, expiresAt], i) => {
      names[`#m${i}`] = `m:${member}`;
      names[`#h${i}`] = `h:${member}`;
      values[`:e${i}`] = expiresAt;
      conditions.push(`#m${i} = :e${i}`);
      removes.push(`#m${i}`, `#h${i}`);
    });
    if (removes.length === 0) return;
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { gt: pk(key), sk: membersSk(key) },
          ConditionExpression: conditions.join(' AND '),
          UpdateExpression: `REMOVE ${removes.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return;
    }
    // Their delivered marks go too (at most 20 members per call, under BatchWrite's 25).
    await this.documents.send(
      new BatchWriteCommand({
        RequestItems: {
          [this.tableName]: [...members.keys()].map((member) => ({ DeleteRequest: { Key: { gt: pk(key), sk: marksSk(key, member) } } })),
        },
      }),
    );
  }

  async leave(key: GroupKey, consumer: string, view: GroupView): Promise<boolean> {
    const held = view.members.get(consumer)?.held ?? [];
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: { gt: pk(key), sk: membersSk(key) },
          ConditionExpression: '#v = :v',
          UpdateExpression: 'SET #v = #v + :one REMOVE #m, #h',
          ExpressionAttributeNames: { '#v': 'version', '#m': `m:${consumer}`, '#h': `h:${consumer}` },
          ExpressionAttributeValues: { ':v': view.version, ':one': 1 },
        },
      },
      ...held.map((partition) => releaseItem(this.tableName, key, partition, consumer)),
      // A consumer that leaves has failed nothing: its delivered marks go with it.
      { Delete: { TableName: this.tableName, Key: { gt: pk(key), sk: marksSk(key, consumer) } } },
    ];
    return this.transact(items);
  }

  private async transact(items: TransactItem[]): Promise<boolean> {
    try {
      await this.documents.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (isTransactionConflict(error) || cancellationReasons(error)) return false;
      throw error;
    }
  }

  async partitions(key: GroupKey, partitions: readonly number[]): Promise<GroupPartition[]> {
    const keys = partitions.map((p) => ({ gt: pk(key), sk: partitionSk(key, p) }));
    const items = await batchGetAll(this.documents, this.tableName, keys);
    const found = new Map(items.map((item) => [String(item.sk), item]));
    return partitions.map((p) => toPartition(p, found.get(partitionSk(key, p))));
  }

  async describe(key: GroupKey): Promise<{ view: GroupView | undefined; partitions: GroupPartition[] }> {
    const group = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { gt: pk(key), sk: membersSk(key) }, ConsistentRead: true }),
    );
    const partitions: GroupPartition[] = [];
    const pages = paginateQuery(
      { client: this.documents },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#gt = :gt AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#gt': 'gt', '#sk': 'sk' },
        ExpressionAttributeValues: { ':gt': pk(key), ':prefix': partitionPrefix(key) },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        partitions.push(toPartition(Number(String(item.sk).slice(partitionPrefix(key).length)), item));
      }
    }
    return { view: group.Item ? toView(group.Item) : undefined, partitions };
  }

  async commit(key: GroupKey, partition: number, consumer: string, offset: number): Promise<CommitOutcome> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { gt: pk(key), sk: partitionSk(key, partition) },
          ConditionExpression: '#holder = :me AND (attribute_not_exists(#committed) OR #committed < :offset)',
          UpdateExpression: 'SET #committed = :offset, #attempts = :zero, #retryAt = :zero REMOVE #lastError',
          ExpressionAttributeNames: {
            '#holder': 'holder',
            '#committed': 'committed',
            '#attempts': 'attempts',
            '#retryAt': 'retryAt',
            '#lastError': 'lastError',
          },
          ExpressionAttributeValues: { ':me': consumer, ':offset': offset, ':zero': 0 },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'committed', committedOffset: offset };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      if (error.Item?.holder?.S !== consumer) return { outcome: 'not-holder' };
      return { outcome: 'unchanged', committedOffset: Number(error.Item?.committed?.N ?? offset) };
    }
  }

  private failureCondition(expected: GroupPartition) {
    return {
      ConditionExpression: '#holder = :me AND #epoch = :epoch AND #committed = :committed AND #attempts = :attempts',
      names: { '#holder': 'holder', '#epoch': 'epoch', '#committed': 'committed', '#attempts': 'attempts' },
      values: {
        ':epoch': expected.epoch,
        ':committed': expected.committed ?? 0,
        ':attempts': expected.attempts,
      },
    };
  }

  async recordFailure(
    key: GroupKey,
    expected: GroupPartition,
    consumer: string,
    update: { offset: number; attempts: number; lastError: string | undefined; retryAt: number },
  ): Promise<boolean> {
    const condition = this.failureCondition(expected);
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { gt: pk(key), sk: partitionSk(key, expected.partition) },
          ConditionExpression: condition.ConditionExpression,
          UpdateExpression: 'SET #committed = :offset, #attempts = :newAttempts, #retryAt = :retryAt, #lastError = :error',
          ExpressionAttributeNames: { ...condition.names, '#retryAt': 'retryAt', '#lastError': 'lastError' },
          ExpressionAttributeValues: {
            ...condition.values,
            ':me': consumer,
            ':offset': update.offset,
            ':newAttempts': update.attempts,
            ':retryAt': update.retryAt,
            ':error': update.lastError ?? '',
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async deadLetter(key: GroupKey, expected: GroupPartition, consumer: string, letter: StoredDeadLetter): Promise<boolean> {
    if (!this.deadLettersTable) throw new Error('This function has no dead-letter table configured');
    const condition = this.failureCondition(expected);
    return this.transact([
      {
        Put: {
          TableName: this.deadLettersTable,
          Item: deadLetterItem(letter),
          ConditionExpression: 'attribute_not_exists(#sk)',
          ExpressionAttributeNames: { '#sk': 'sk' },
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: { gt: pk(key), sk: partitionSk(key, expected.partition) },
          ConditionExpression: condition.ConditionExpression,
          UpdateExpression: 'SET #committed = :next, #attempts = :zero, #retryAt = :zero REMOVE #lastError',
          ExpressionAttributeNames: { ...condition.names, '#retryAt': 'retryAt', '#lastError': 'lastError' },
          ExpressionAttributeValues: { ...condition.values, ':me': consumer, ':next': letter.offset + 1, ':zero': 0 },
        },
      },
    ]);
  }
}
