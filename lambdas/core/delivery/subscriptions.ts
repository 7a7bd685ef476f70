/**
 * Push subscriptions: create, list, describe, change and delete them
 * (API.md, "Push subscriptions"). A subscription consumes its topic like a
 * consumer group: a committed offset per partition, leases and fencing
 * (see delivery.ts), dead letters under its name; `listReaders` shows it in
 * `GET /v1/topics/{topic}/groups` with its lag.
 */
import { InvalidRequestError, NotFoundError, SubscriptionExistsError } from '../errors';
import type { RecordFilter } from '../filters/filter';
import type { PartitionLog } from '../log/log';
import type { TopicReader, TopicReaderSource } from '../readers';
import type { TopicService } from '../topics';
import type { Topic } from '../types';
import { mapWithConcurrency } from '../concurrency';
import { newSigningSecret } from './signer';
import type { DeliveryState, Subscription, SubscriptionPatch, SubscriptionStore, SubscriptionTarget } from './types';

/** How long the previous secret still signs after a rotation. */
export const SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;
const PARTITION_CONCURRENCY = 8;

/** Checks a target before it is stored (the SSRF guard for URLs, the allowed ARN pattern for functions). */
export type TargetValidator = (target: SubscriptionTarget) => Promise<void>;

export interface CreateSubscriptionInput {
  readonly topic: string;
  readonly name: string;
  readonly target: SubscriptionTarget;
  readonly filter?: RecordFilter | undefined;
  readonly maxBatchRecords?: number | undefined;
  readonly maxBatchingWindowMs?: number | undefined;
  readonly maxDeliveryAttempts?: number | undefined;
  readonly startFrom?: 'earliest' | 'latest' | undefined;
}

export interface UpdateSubscriptionInput {
  readonly state?: 'active' | 'paused' | undefined;
  readonly filter?: RecordFilter | null | undefined;
  readonly rotateSecret?: boolean | undefined;
  readonly maxBatchRecords?: number | undefined;
  readonly maxBatchingWindowMs?: number | undefined;
  readonly maxDeliveryAttempts?: number | undefined;
}

export interface SubscriptionPartition {
  readonly partition: number;
  readonly committedOffset: number;
  readonly endOffset: number;
  readonly lag: number;
  readonly consecutiveFailures: number;
  readonly nextAttemptAt: number | null;
  readonly lastError: string | null;
}

export interface SubscriptionDescription {
  readonly subscription: Subscription;
  readonly partitions: SubscriptionPartition[];
}

export class SubscriptionService implements TopicReaderSource {
  constructor(
    private readonly topics: TopicService,
    private readonly log: PartitionLog,
    private readonly store: SubscriptionStore,
    private readonly validateTarget: TargetValidator,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates the subscription; `startFrom: latest` (default) starts at the end offsets of this moment. */
  async create(input: CreateSubscriptionInput): Promise<Subscription> {
    const topic = await this.topics.getFresh(input.topic);
    await this.validateTarget(input.target);
    const startFrom = input.startFrom ?? 'latest';
    const partitions = Array.from({ length: topic.partitions }, (_, p) => p);
    const startOffsets = await mapWithConcurrency(partitions, PARTITION_CONCURRENCY, async (p) =>
      startFrom === 'latest'
        ? this.log.endOffset(topic, p, { consistent: true })
        : (await this.topics.partitionState(topic, p, true)).startOffset,
    );
    const subscription: Subscription = {
      name: input.name,
      topic: topic.name,
      topicId: topic.topicId,
      target: input.target,
      filter: input.filter ?? null,
      maxBatchRecords: input.maxBatchRecords ?? 100,
      maxBatchingWindowMs: input.maxBatchingWindowMs ?? 0,
      maxDeliveryAttempts: input.maxDeliveryAttempts ?? null,
      startFrom,
      state: 'active',
      secrets: { current: newSigningSecret() },
      createdAt: this.now(),
    };
    if (!(await this.store.create(subscription, startOffsets))) throw new SubscriptionExistsError(topic.name, input.name);
    return subscription;
  }

  /** The subscriptions of the topic's current incarnation. */
  async list(topicName: string): Promise<Subscription[]> {
    const topic = await this.topics.get(topicName);
    return (await this.store.list(topic.name)).filter((s) => s.topicId === topic.topicId);
  }

  async get(topicName: string, name: string): Promise<{ topic: Topic; subscription: Subscription }> {
    const topic = await this.topics.get(topicName);
    const subscription = await this.store.get(topic.name, name);
    if (!subscription || subscription.topicId !== topic.topicId) throw new NotFoundError(`Subscription '${name}' of topic '${topicName}'`);
    return { topic, subscription };
  }

  /** The subscription with each partition's committed offset, lag and retry state. */
  async describe(topicName: string, name: string): Promise<SubscriptionDescription> {
    const { topic, subscription } = await this.get(topicName, name);
    return { subscription, partitions: await this.partitions(topic, subscription) };
  }

  private async partitions(topic: Topic, subscription: Subscription): Promise<SubscriptionPartition[]> {
    const states = new Map<number, DeliveryState>(
      (await this.store.states({ topic: topic.name, topicId: topic.topicId, name: subscription.name })).map((s) => [s.partition, s]),
    );
    const partitions = Array.from({ length: topic.partitions }, (_, p) => p);
    return mapWithConcurrency(partitions, PARTITION_CONCURRENCY, async (partition) => {
      const state = states.get(partition);
      const endOffset = await this.log.endOffset(topic, partition);
      const { startOffset } = await this.topics.partitionState(topic, partition);
      const committedOffset = Math.max(state?.committed ?? startOffset, startOffset);
      return {
        partition,
        committedOffset,
        endOffset,
        lag: Math.max(0, endOffset - committedOffset),
        consecutiveFailures: state?.consecutiveFailures ?? 0,
        nextAttemptAt: state?.nextAttemptAt ?? null,
        lastError: state?.lastError ?? null,
      };
    });
  }

  /** Applies a PATCH; a rotated secret is in the result (the caller shows it once). */
  async update(topicName: string, name: string, input: UpdateSubscriptionInput): Promise<Subscription> {
    const { topic, subscription } = await this.get(topicName, name);
    const patch: { -readonly [K in keyof SubscriptionPatch]: SubscriptionPatch[K] } = {};
    if (input.state !== undefined) {
      patch.state = input.state;
      patch.disabledReason = undefined;
    }
    if (input.filter !== undefined) patch.filter = input.filter;
    if (input.maxBatchRecords !== undefined) patch.maxBatchRecords = input.maxBatchRecords;
    if (input.maxBatchingWindowMs !== undefined) patch.maxBatchingWindowMs = input.maxBatchingWindowMs;
    if (input.maxDeliveryAttempts !== undefined) patch.maxDeliveryAttempts = input.maxDeliveryAttempts;
    if (input.rotateSecret) {
      if (subscription.target.type !== 'https') throw new InvalidRequestError('only an https target has a signing secret', 'rotateSecret');
      patch.secrets = { current: newSigningSecret(), previous: subscription.secrets.current, previousUntil: this.now() + SECRET_OVERLAP_MS };
    }
    const updated = await this.store.update(topic.name, name, patch);
    if (!updated) throw new NotFoundError(`Subscription '${name}' of topic '${topicName}'`);
    if (input.state === 'active') await this.wakeAll(topic, name);
    return updated;
  }

  /** After a resume or re-enable: each partition gets a due retry, so the sweep delivers what waited. */
  private async wakeAll(topic: Topic, name: string): Promise<void> {
    const key = { topic: topic.name, topicId: topic.topicId, name };
    const partitions = Array.from({ length: topic.partitions }, (_, p) => p);
    await mapWithConcurrency(partitions, PARTITION_CONCURRENCY, (p) => this.store.scheduleRetry(key, p, this.now()));
  }

  async delete(topicName: string, name: string): Promise<void> {
    await this.get(topicName, name);
    if (!(await this.store.delete(topicName, name))) throw new NotFoundError(`Subscription '${name}' of topic '${topicName}'`);
  }

  async listReaders(topic: Topic): Promise<TopicReader[]> {
    const subscriptions = (await this.store.list(topic.name)).filter((s) => s.topicId === topic.topicId);
    return Promise.all(
      subscriptions.map(async (subscription) => ({
        group: subscription.name,
        type: 'subscription' as const,
        lag: (await this.partitions(topic, subscription)).reduce((sum, p) => sum + p.lag, 0),
        members: 0,
      })),
    );
  }
}
