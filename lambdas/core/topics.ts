/**
 * Topics: create, list, describe, change and delete. A topic's name maps to
 * its current incarnation (`topicId`); the log of an incarnation is keyed by
 * it, so deleting a topic and creating it again starts a fresh, empty log.
 */
import { randomBytes } from 'node:crypto';
import { mapWithConcurrency } from './concurrency';
import { InvalidRequestError, TopicExistsError, TopicNotFoundError } from './errors';
import { TOPIC_CACHE_TTL_MS, TOPIC_DEFAULTS } from './limits';
import { fenceAndPurge } from './log/fence';
import { PartitionLog, streamKey } from './log/log';
import type { BlobStore, LogStore, PartitionState, SegmentCatalog, TopicPatch, TopicStore } from './ports';
import type { PartitionOffsets, Topic, TopicConfig } from './types';

export interface CreateTopicInput extends Partial<TopicConfig> {
  name: string;
  partitions: number;
}

export interface TopicDescription {
  name: string;
  topicId: string;
  partitions: PartitionOffsets[];
  config: TopicConfig;
  createdAt: number;
}

/** Reads of `partitions` per describe or delete run this many at a time. */
const PARTITION_CONCURRENCY = 16;

export class TopicService {
  private readonly cache = new Map<string, { topic: Topic; fetchedAt: number }>();
  private readonly stateCache = new Map<string, { state: PartitionState; fetchedAt: number }>();

  constructor(
    private readonly topics: TopicStore,
    private readonly log: LogStore,
    private readonly blobs: BlobStore,
    private readonly partitionLog: PartitionLog,
    private readonly now: () => number = Date.now,
    /** Where archived segments are listed (purged with the topic). */
    private readonly catalog?: SegmentCatalog,
  ) {}

  async create(input: CreateTopicInput): Promise<TopicDescription> {
    const topic: Topic = {
      name: input.name,
      topicId: randomBytes(8).toString('hex'),
      partitions: input.partitions,
      createdAt: this.now(),
      config: {
        retentionMs: input.retentionMs ?? TOPIC_DEFAULTS.retentionMs,
        retentionBytes: input.retentionBytes ?? TOPIC_DEFAULTS.retentionBytes,
        archiveAfterMs: input.archiveAfterMs ?? TOPIC_DEFAULTS.archiveAfterMs,
        maxDeliveryAttempts: input.maxDeliveryAttempts ?? TOPIC_DEFAULTS.maxDeliveryAttempts,
      },
    };
    if (!(await this.topics.create(topic))) throw new TopicExistsError(topic.name);
    return describeFresh(topic);
  }

  list(): Promise<Array<Pick<Topic, 'name' | 'partitions'>>> {
    return this.topics.list();
  }

  /** The topic, read through a short per-container cache (produce and fetch use this). */
  async get(name: string): Promise<Topic> {
    const cached = this.cache.get(name);
    if (cached && this.now() - cached.fetchedAt <= TOPIC_CACHE_TTL_MS) return cached.topic;
    const topic = await this.topics.get(name);
    if (!topic) {
      this.cache.delete(name);
      throw new TopicNotFoundError(name);
    }
    this.cache.set(name, { topic, fetchedAt: this.now() });
    return topic;
  }

  /** The topic's state without any cache. */
  async getFresh(name: string): Promise<Topic> {
    const topic = await this.topics.get(name, { consistent: true });
    if (!topic) {
      this.cache.delete(name); // e.g. a produce that met a delete's fence: the next one answers 404 at once
      throw new TopicNotFoundError(name);
    }
    this.cache.set(name, { topic, fetchedAt: this.now() });
    return topic;
  }

  /** Start offset and archive mark of every partition (defaults where never moved). */
  async partitionStates(topic: Topic): Promise<PartitionState[]> {
    const moved = new Map((await this.topics.partitionStates(topic)).map((s) => [s.partition, s]));
    return Array.from(
      { length: topic.partitions },
      (_, partition) => moved.get(partition) ?? { partition, startOffset: 0, archivedOffset: 0 },
    );
  }

  /**
   * One partition's start offset and archive mark, through the same short
   * cache as topics (`fresh`: a strongly consistent read that refreshes it).
   */
  async partitionState(topic: Topic, partition: number, fresh = false): Promise<PartitionState> {
    const key = `${topic.topicId}#${partition}`;
    const cached = this.stateCache.get(key);
    if (!fresh && cached && this.now() - cached.fetchedAt <= TOPIC_CACHE_TTL_MS) return cached.state;
    const state = await this.topics.partitionState(topic, partition, { consistent: fresh });
    this.stateCache.set(key, { state, fetchedAt: this.now() });
    return state;
  }

  async describe(name: string): Promise<TopicDescription> {
    const topic = await this.getFresh(name);
    const states = await this.partitionStates(topic);
    const partitions = await mapWithConcurrency(states, PARTITION_CONCURRENCY, async (state) => {
      const endOffset = await this.partitionLog.endOffset(topic, state.partition, { consistent: true });
      return {
        partition: state.partition,
        startOffset: state.startOffset,
        archivedOffset: Math.max(state.startOffset, state.archivedOffset),
        endOffset,
        archivedBytes: state.archivedBytes ?? 0,
        hotBytes: state.hotBytes ?? null,
      };
    });
    return { name: topic.name, topicId: topic.topicId, partitions, config: topic.config, createdAt: topic.createdAt };
  }

  async update(name: string, patch: TopicPatch): Promise<TopicDescription> {
    const result = await this.topics.update(name, patch);
    if (result === 'not-found') throw new TopicNotFoundError(name);
    if (result === 'partitions-decrease') {
      throw new InvalidRequestError('can only be raised, never lowered', 'partitions');
    }
    this.cache.delete(name);
    return this.describe(name);
  }

  /**
   * Deletes the topic: the name is free at once; each partition of the
   * deleted incarnation is then fenced (appends still holding the topic in
   * a cache answer TOPIC_NOT_FOUND, see log/fence.ts) and its log and S3
   * objects removed.
   */
  async delete(name: string): Promise<void> {
    const topic = await this.topics.delete(name);
    this.cache.delete(name);
    if (!topic) throw new TopicNotFoundError(name);
    const partitions = Array.from({ length: topic.partitions }, (_, p) => p);
    await mapWithConcurrency(partitions, PARTITION_CONCURRENCY, async (partition) => {
      const blobKeys = await fenceAndPurge(this.log, streamKey(topic, partition), this.now);
      if (blobKeys.length > 0) await this.blobs.delete(blobKeys);
      for (const segment of (await this.catalog?.segments(topic, partition)) ?? []) {
        await this.blobs.delete([segment.key]);
        await this.catalog?.removeSegment(topic, partition, segment.base);
      }
    });
  }
}

function describeFresh(topic: Topic): TopicDescription {
  return {
    name: topic.name,
    topicId: topic.topicId,
    partitions: Array.from({ length: topic.partitions }, (_, partition) => ({
      partition,
      startOffset: 0,
      archivedOffset: 0,
      endOffset: 0,
      archivedBytes: 0,
      hotBytes: null,
    })),
    config: topic.config,
    createdAt: topic.createdAt,
  };
}
