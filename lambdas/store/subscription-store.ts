/**
 * DynamoDB access for push subscriptions (layout in subscription-items.ts).
 * Every write of a delivering dispatcher is conditional on the epoch its
 * claim set, so a dispatcher whose lease was taken over changes nothing;
 * dead-lettering is one transaction with the move of the committed offset.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  paginateQuery,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type {
  DeliveryState,
  FailureUpdate,
  PendingBatch,
  RetryNote,
  Subscription,
  SubscriptionKey,
  SubscriptionPatch,
  SubscriptionStore,
  SweepSchedule,
} from '../core/delivery/types';
import type { StoredDeadLetter } from '../core/ports';
import { cancellationReasons, isConditionFailure, isTransactionConflict } from './conditions';
import { deadLetterItem } from './dead-letter-store';
import {
  configItem,
  configPk,
  configSk,
  fromConfigItem,
  parseRetrySk,
  RETRIES_PK,
  retrySk,
  statePk,
  statePrefix,
  stateSk,
  toState,
  updateExpression,
} from './subscription-items';

type Item = Record<string, unknown>;

/** What a commit, a failure or a dead letter leaves of the lease. */
const FREE_LEASE = { holder: undefined, leaseUntil: undefined };

/**
 * What moving the committed offset past a batch (delivered, or its record
 * dead-lettered) writes: the offset, no failure, and `next` as the pending
 * batch (undefined: none).
 */
function moved(offset: number, next: PendingBatch | undefined): Item {
  return {
    committed: offset,
    consecutiveFailures: 0,
    batchId: next?.id,
    batchEnd: next?.end,
    batchAttempts: next?.attempts,
    failingSince: undefined,
    lastError: undefined,
    nextAttemptAt: undefined,
  };
}

export class DynamoSubscriptionStore implements SubscriptionStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Needed only to dead-letter (the dispatcher); the REST function is not granted it. */
    private readonly deadLettersTable: string | undefined,
    /** Woken by the first retry note (the dispatcher's rule on AWS); none: sweeps run on a timer. */
    private readonly sweeps?: SweepSchedule,
  ) {}

  async create(subscription: Subscription, startOffsets: readonly number[]): Promise<boolean> {
    const key = { topic: subscription.topic, topicId: subscription.topicId, name: subscription.name };
    const stateItem = (committed: number, partition: number) => ({ gt: statePk(key), sk: stateSk(key, partition), committed, epoch: 0 });
    // One transaction holds 100 items: the configuration and the first 99 partitions; the rest follow it.
    const first = startOffsets.slice(0, 99);
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: configItem(subscription),
                // A leftover of a deleted incarnation of the topic does not count.
                ConditionExpression: 'attribute_not_exists(#sk) OR #topicId <> :topicId',
                ExpressionAttributeNames: { '#sk': 'sk', '#topicId': 'topicId' },
                ExpressionAttributeValues: { ':topicId': subscription.topicId },
              },
            },
            ...first.map((committed, partition) => ({ Put: { TableName: this.tableName, Item: stateItem(committed, partition) } })),
          ],
        }),
      );
      for (let partition = first.length; partition < startOffsets.length; partition++) {
        const item = stateItem(startOffsets[partition] as number, partition);
        await this.documents.send(new PutCommand({ TableName: this.tableName, Item: item }));
      }
      return true;
    } catch (error) {
      if (cancellationReasons(error)?.[0]?.Code === 'ConditionalCheckFailed') return false;
      throw error;
    }
  }

  async get(topic: string, name: string): Promise<Subscription | undefined> {
    const out = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { gt: configPk(topic), sk: configSk(name) }, ConsistentRead: true }),
    );
    return out.Item ? fromConfigItem(out.Item) : undefined;
  }

  async list(topic: string): Promise<Subscription[]> {
    const items = await this.query(configPk(topic), 's#');
    return items.map(fromConfigItem);
  }

  async update(topic: string, name: string, patch: SubscriptionPatch): Promise<Subscription | undefined> {
    const values: Record<string, unknown> = {};
    if ('state' in patch) values.state = patch.state;
    if ('disabledReason' in patch) values.disabledReason = patch.disabledReason;
    if ('filter' in patch) values.filter = patch.filter ? JSON.stringify(patch.filter) : null;
    if (patch.maxBatchRecords !== undefined) values.maxBatchRecords = patch.maxBatchRecords;
    if (patch.maxBatchingWindowMs !== undefined) values.maxBatchingWindowMs = patch.maxBatchingWindowMs;
    if (patch.maxDeliveryAttempts !== undefined) values.maxDeliveryAttempts = patch.maxDeliveryAttempts;
    if (patch.secrets) {
      values.secret = patch.secrets.current;
      values.previousSecret = patch.secrets.previous;
      values.previousUntil = patch.secrets.previousUntil;
    }
    const update = updateExpression(values);
    if (!update.UpdateExpression) return this.get(topic, name);
    try {
      const out = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { gt: configPk(topic), sk: configSk(name) },
          ...update,
          ConditionExpression: 'attribute_exists(#sk)',
          ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#sk': 'sk' },
          ...(Object.keys(update.ExpressionAttributeValues).length ? {} : { ExpressionAttributeValues: undefined }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? fromConfigItem(out.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async delete(topic: string, name: string): Promise<boolean> {
    const out = await this.documents.send(
      new DeleteCommand({ TableName: this.tableName, Key: { gt: configPk(topic), sk: configSk(name) }, ReturnValues: 'ALL_OLD' }),
    );
    if (!out.Attributes) return false;
    const old = fromConfigItem(out.Attributes);
    const key = { topic, topicId: old.topicId, name };
    for (const item of await this.query(statePk(key), statePrefix(key))) {
      await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { gt: item.gt, sk: item.sk } }));
    }
    return true;
  }

  async states(key: SubscriptionKey): Promise<DeliveryState[]> {
    const items = await this.query(statePk(key), statePrefix(key));
    return items.map((item) => toState(Number(String(item.sk).slice(statePrefix(key).length)), item));
  }

  async state(key: SubscriptionKey, partition: number): Promise<DeliveryState> {
    const out = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { gt: statePk(key), sk: stateSk(key, partition) }, ConsistentRead: true }),
    );
    return toState(partition, out.Item);
  }

  async claim(
    key: SubscriptionKey,
    expected: DeliveryState,
    holder: string,
    leaseUntil: number,
    batch: PendingBatch,
    initial: number,
  ): Promise<number | undefined> {
    const epoch = expected.epoch + 1;
    const update = updateExpression({
      holder,
      leaseUntil,
      epoch,
      committed: initial,
      batchId: batch.id,
      batchEnd: batch.end,
      batchAttempts: batch.attempts,
    });
    const names = { ...update.ExpressionAttributeNames, '#e': 'epoch', '#c': 'committed' };
    const values: Record<string, unknown> = { ...update.ExpressionAttributeValues, ':expectedEpoch': expected.epoch };
    const conditions = [expected.epoch === 0 ? '(attribute_not_exists(#e) OR #e = :expectedEpoch)' : '#e = :expectedEpoch'];
    if (expected.committed === undefined) conditions.push('attribute_not_exists(#c)');
    else {
      conditions.push('#c = :expectedCommitted');
      values[':expectedCommitted'] = expected.committed;
    }
    const ok = await this.conditional(key, expected.partition, {
      ...update,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    return ok ? epoch : undefined;
  }

  async commit(key: SubscriptionKey, partition: number, epoch: number, offset: number): Promise<boolean> {
    return this.fenced(key, partition, epoch, { ...FREE_LEASE, ...moved(offset, undefined) });
  }

  async advance(key: SubscriptionKey, partition: number, epoch: number, offset: number, next: PendingBatch, leaseUntil: number): Promise<boolean> {
    return this.fenced(key, partition, epoch, { leaseUntil, ...moved(offset, next) });
  }

  async fail(key: SubscriptionKey, partition: number, epoch: number, update: FailureUpdate): Promise<boolean> {
    return this.fenced(key, partition, epoch, {
      ...FREE_LEASE,
      batchId: update.batch.id,
      batchEnd: update.batch.end,
      batchAttempts: update.batch.attempts,
      consecutiveFailures: update.consecutiveFailures,
      failingSince: update.failingSince,
      lastError: update.lastError,
      nextAttemptAt: update.nextAttemptAt,
      capSize: update.capSize,
      capUntil: update.capUntil,
    });
  }

  async release(key: SubscriptionKey, partition: number, epoch: number, nextAttemptAt: number | undefined): Promise<boolean> {
    return this.fenced(key, partition, epoch, { ...FREE_LEASE, nextAttemptAt });
  }

  async deadLetter(key: SubscriptionKey, partition: number, epoch: number, letter: StoredDeadLetter, offset: number): Promise<boolean> {
    if (!this.deadLettersTable) throw new Error('This function has no dead-letter table configured');
    const update = updateExpression({ ...FREE_LEASE, ...moved(offset, undefined), capSize: undefined, capUntil: undefined });
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
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
                Key: { gt: statePk(key), sk: stateSk(key, partition) },
                ...update,
                ConditionExpression: '#e = :epoch',
                ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#e': 'epoch' },
                ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':epoch': epoch },
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

  async scheduleRetry(key: SubscriptionKey, partition: number, dueAt: number): Promise<void> {
    const out = await this.documents.send(
      new PutCommand({ TableName: this.tableName, Item: { gt: RETRIES_PK, sk: retrySk(key, partition), dueAt }, ReturnValues: 'ALL_OLD' }),
    );
    // A note that replaced one needs no wake-up: the sweep that will take the old one is already on.
    if (!out.Attributes) await this.sweeps?.wake();
  }

  async retryNotes(): Promise<RetryNote[]> {
    const items = await this.query(RETRIES_PK, '');
    return items.flatMap((item) => {
      const parsed = parseRetrySk(String(item.sk));
      return parsed ? [{ ...parsed, dueAt: Number(item.dueAt) }] : [];
    });
  }

  async clearRetry(key: SubscriptionKey, partition: number, dueAt: number): Promise<void> {
    try {
      await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { gt: RETRIES_PK, sk: retrySk(key, partition) },
          ConditionExpression: '#d = :d',
          ExpressionAttributeNames: { '#d': 'dueAt' },
          ExpressionAttributeValues: { ':d': dueAt },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** An update conditional on the claim's epoch. */
  private fenced(key: SubscriptionKey, partition: number, epoch: number, values: Record<string, unknown>): Promise<boolean> {
    const update = updateExpression(values);
    return this.conditional(key, partition, {
      ...update,
      ConditionExpression: '#e = :epoch',
      ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#e': 'epoch' },
      ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':epoch': epoch },
    });
  }

  private async conditional(
    key: SubscriptionKey,
    partition: number,
    expression: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({ TableName: this.tableName, Key: { gt: statePk(key), sk: stateSk(key, partition) }, ...expression }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async query(gt: string, prefix: string): Promise<Item[]> {
    const items: Item[] = [];
    const pages = paginateQuery(
      { client: this.documents },
      {
        TableName: this.tableName,
        KeyConditionExpression: prefix ? '#gt = :gt AND begins_with(#sk, :prefix)' : '#gt = :gt',
        ExpressionAttributeNames: prefix ? { '#gt': 'gt', '#sk': 'sk' } : { '#gt': 'gt' },
        ExpressionAttributeValues: prefix ? { ':gt': gt, ':prefix': prefix } : { ':gt': gt },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    return items;
  }
}
