/**
 * Upstash consumer instances on Tributary consumer groups. An instance is a
 * consumer of the group (`consumerId` = instance id) on each topic it
 * consumes: the same leases, fair sharing, commits and fencing as
 * `/v1/groups`. Kafka's consumer keeps its read position in memory between
 * polls and commits it now and then (auto-commit); here that position lives
 * in the instance's state in DynamoDB (`InstanceStore`), so any Lambda
 * container can serve the instance's next call:
 *   - a consume reads each held partition from the instance's position
 *     (valid while it holds the partition under the same lease epoch), else
 *     from the group's committed offset, and records where it got to;
 *   - with auto-commit, a consume first commits the positions of earlier
 *     calls once the interval has passed (Kafka commits in poll too);
 *   - a commit without offsets commits the positions.
 */
import {
  GroupNotFoundError,
  InvalidRequestError,
  NotFoundError,
  NotLeaseHolderError,
  PartitionNotFoundError,
  TopicNotFoundError,
} from '../core/errors';
import type { GroupService, PollResult, ReadPosition } from '../core/groups/groups';
import { MAX_FETCH_LIMIT } from '../core/limits';
import type { TopicService } from '../core/topics';
import type { PositionedRecord } from '../core/types';
import { withinResponseBudget } from './messages';
import type { CommitOffsets, UpstashConsumeRequest } from './schemas';

/** What one instance last did on one topic. */
export interface InstanceTopicState {
  readonly topic: string;
  /** The topic incarnation the epochs belong to (a re-created topic starts over). */
  readonly topicId: string;
  /** Partitions held after the last consume, and until when. */
  readonly held: readonly number[];
  readonly leaseExpiresAt: number;
  /** Next offset to read per partition, with the lease epoch it was read under. */
  readonly positions: ReadonlyArray<{ partition: number; offset: number; epoch: number }>;
}

export interface InstanceState {
  readonly group: string;
  readonly instance: string;
  readonly topics: readonly InstanceTopicState[];
  /** When positions were last auto-committed (or the instance was created). */
  readonly lastAutoCommitAt: number;
}

/** Where instance state is kept (the groups table: lambdas/store/upstash-instance-store.ts). */
export interface InstanceStore {
  get(group: string, instance: string): Promise<InstanceState | undefined>;
  /** Writes the state; `created` also registers the instance in the list of instances. */
  save(state: InstanceState, created: boolean): Promise<void>;
  remove(group: string, instance: string): Promise<void>;
  /** Every registered instance with its state, in no particular order. */
  list(): Promise<InstanceState[]>;
}

/** A record with the topic it came from. */
export interface TopicRecord {
  readonly topic: string;
  readonly record: PositionedRecord;
}

/** `GET /consumers`: groups, their instances, and the partitions each holds. */
export interface GroupAssignments {
  name: string;
  instances: Array<{ name: string; topics: Array<{ topic: string; partitions: number[] }> }>;
}

/** Records per consume call, shared by the topics polled (Kafka's max.poll.records is 500). */
const MAX_RECORDS_PER_CONSUME = 500;
/** The session of a facade consumer: without a consume for this long, its partitions go to others. */
export const SESSION_TIMEOUT_MS = 30_000;

export class UpstashConsumers {
  constructor(
    private readonly groups: GroupService,
    private readonly topics: TopicService,
    private readonly store: InstanceStore,
    private readonly now: () => number = Date.now,
  ) {}

  async consume(group: string, instance: string, request: UpstashConsumeRequest): Promise<TopicRecord[]> {
    const stored = await this.store.get(group, instance);
    let state: InstanceState = stored ?? { group, instance, topics: [], lastAutoCommitAt: this.now() };
    if (stored && request.autoCommit && this.now() - stored.lastAutoCommitAt >= request.autoCommitIntervalMs) {
      state = { ...(await this.commitPositions(state)), lastAutoCommitAt: this.now() };
    }
    if (request.autoOffsetReset === 'none') await this.requireCommitted(group, request.topics);
    const reset = request.autoOffsetReset === 'latest' ? 'latest' : 'earliest';

    const topics = await Promise.all(request.topics.map((name) => this.topics.get(name)));
    const previous = new Map(state.topics.map((t) => [t.topic, t]));
    const positionsOf = (name: string, topicId: string) => {
      const known = previous.get(name);
      if (!known || known.topicId !== topicId) return new Map<number, ReadPosition>();
      return new Map(known.positions.map((p) => [p.partition, { offset: p.offset, epoch: p.epoch }]));
    };
    const maxRecords = Math.max(1, Math.floor(MAX_RECORDS_PER_CONSUME / topics.length));
    const poll = (index: number, waitMs: number, signal?: AbortSignal) => {
      const topic = topics[index]!;
      return this.groups.poll({
        signal,
        group,
        topic: topic.name,
        consumerId: instance,
        maxRecords: Math.min(maxRecords, MAX_FETCH_LIMIT),
        waitMs,
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
        autoOffsetReset: reset,
        positions: positionsOf(topic.name, topic.topicId),
      });
    };
    // One topic: one long poll. Several: a quick look at each (which also renews every lease),
    // and only when all are empty a long poll of each, side by side, the first
    // to find records ending the others' waits.
    let results: PollResult[];
    if (topics.length === 1) {
      results = [await poll(0, request.waitMs)];
    } else {
      results = await Promise.all(topics.map((_, i) => poll(i, 0)));
      if (request.waitMs > 0 && results.every((r) => r.records.length === 0)) {
        const found = new AbortController();
        results = await Promise.all(
          topics.map(async (_, i) => {
            const result = await poll(i, request.waitMs, found.signal);
            if (result.records.length > 0) found.abort();
            return result;
          }),
        );
      }
    }

    const delivered = withinResponseBudget(
      results.flatMap((result, i) => result.records.map((record) => ({ topic: topics[i]!.name, record }))),
    );
    const updated = topics.map((topic, i) => {
      const result = results[i]!;
      const positions = positionsOf(topic.name, topic.topicId);
      for (const [partition, position] of positions) {
        // Kept only while the lease it was read under continues.
        if (result.epochs.get(partition) !== position.epoch) positions.delete(partition);
      }
      for (const { topic: name, record } of delivered) {
        if (name !== topic.name) continue;
        const epoch = result.epochs.get(record.partition) ?? 0;
        positions.set(record.partition, { offset: record.offset + 1, epoch });
      }
      return {
        topic: topic.name,
        topicId: topic.topicId,
        held: result.assignment.map((a) => a.partition),
        leaseExpiresAt: result.assignment[0]?.leaseExpiresAt ?? this.now(),
        positions: [...positions].map(([partition, p]) => ({ partition, offset: p.offset, epoch: p.epoch })),
      };
    });
    const consumed = new Set(updated.map((t) => t.topic));
    await this.store.save(
      { ...state, topics: [...state.topics.filter((t) => !consumed.has(t.topic)), ...updated] },
      stored === undefined,
    );
    return delivered;
  }

  /** With `none`, consuming needs a committed offset on every partition of the topics (Kafka throws otherwise). */
  private async requireCommitted(group: string, topics: readonly string[]): Promise<void> {
    for (const topic of topics) {
      const missing = (await this.committedOffsets(group, topic)).flatMap((offset, partition) => (offset < 0 ? [partition] : []));
      if (missing.length > 0) {
        throw new InvalidRequestError(
          `is none, and group '${group}' has no committed offset on topic '${topic}' partition(s) ${missing.join(', ')}`,
          'Kafka-Auto-Offset-Reset',
        );
      }
    }
  }

  /**
   * Commits offsets. With `offsets`, exactly those (fenced as in /v1: 409
   * NOT_LEASE_HOLDER for a partition the instance does not hold). Without,
   * the instance's positions on the partitions it still holds; positions of
   * partitions it lost are dropped (their records go to the new holder again).
   */
  async commit(group: string, instance: string, offsets: CommitOffsets | undefined): Promise<void> {
    if (offsets) {
      const byTopic = new Map<string, Array<{ partition: number; offset: number }>>();
      for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: o.offset }]);
      await Promise.all([...byTopic].map(([topic, list]) => this.groups.commit(group, topic, instance, list)));
      return;
    }
    const state = await this.store.get(group, instance);
    if (!state) return;
    await this.store.save(await this.commitPositions(state), false);
  }

  /** Commits every position; returns the state without the positions of partitions no longer held. */
  private async commitPositions(state: InstanceState): Promise<InstanceState> {
    const topics = await Promise.all(
      state.topics.map(async (t) => {
        const lost = await this.commitHeld(state.group, t.topic, state.instance, t.positions);
        return lost.size === 0 ? t : { ...t, positions: t.positions.filter((p) => !lost.has(p.partition)) };
      }),
    );
    return { ...state, topics };
  }

  /** Commits the positions; returns the partitions that turned out not to be held (fenced or gone). */
  private async commitHeld(
    group: string,
    topic: string,
    instance: string,
    positions: InstanceTopicState['positions'],
  ): Promise<Set<number>> {
    if (positions.length === 0) return new Set();
    try {
      await this.groups.commit(group, topic, instance, positions.map((p) => ({ partition: p.partition, offset: p.offset })));
      return new Set();
    } catch (error) {
      // The group commit tries every partition and reports the fenced ones: the others are committed.
      if (error instanceof NotLeaseHolderError) return new Set(error.partitions);
      if (error instanceof TopicNotFoundError) return new Set(positions.map((p) => p.partition));
      throw error;
    }
  }

  /** Committed offsets of some partitions (-1: none yet, as Kafka reports it). */
  async committed(group: string, partitions: ReadonlyArray<{ topic: string; partition: number }>) {
    const topics = [...new Set(partitions.map((p) => p.topic))];
    const offsets = new Map(await Promise.all(topics.map(async (t) => [t, await this.committedOffsets(group, t)] as const)));
    return partitions.map(({ topic, partition }) => {
      const list = offsets.get(topic) ?? [];
      if (partition >= list.length) throw new PartitionNotFoundError(topic, partition, list.length);
      return { topic, partition, offset: list[partition] ?? -1 };
    });
  }

  /** Per partition of the topic, the group's committed offset, or -1. */
  private async committedOffsets(group: string, topic: string): Promise<number[]> {
    try {
      const described = await this.groups.describe(group, topic);
      return described.partitions.map((p) => p.committedOffset ?? -1);
    } catch (error) {
      if (!(error instanceof GroupNotFoundError)) throw error;
      return Array.from({ length: (await this.topics.get(topic)).partitions }, () => -1);
    }
  }

  /** The topics an instance consumed (for the caller's permission checks); undefined for an unknown instance. */
  async topicsOf(group: string, instance: string): Promise<string[] | undefined> {
    return (await this.store.get(group, instance))?.topics.map((t) => t.topic);
  }

  /** Leaves the group on every topic the instance consumed (its partitions are free at once) and forgets it. */
  async remove(group: string, instance: string): Promise<void> {
    const topics = await this.topicsOf(group, instance);
    if (!topics) throw new NotFoundError(`Consumer instance '${instance}' of group '${group}'`);
    for (const topic of topics) {
      try {
        await this.groups.leave(group, topic, instance);
      } catch (error) {
        if (!(error instanceof GroupNotFoundError || error instanceof TopicNotFoundError)) throw error;
      }
    }
    await this.store.remove(group, instance);
  }

  /** Every instance, by group, with the partitions it holds (as of its last consume, while the lease runs). */
  async list(): Promise<GroupAssignments[]> {
    const now = this.now();
    const groups = new Map<string, GroupAssignments>();
    const states = (await this.store.list()).sort((a, b) => cmp(a.group, b.group) || cmp(a.instance, b.instance));
    for (const state of states) {
      let entry = groups.get(state.group);
      if (!entry) groups.set(state.group, (entry = { name: state.group, instances: [] }));
      entry.instances.push({
        name: state.instance,
        topics: state.topics.map((t) => ({
          topic: t.topic,
          partitions: t.leaseExpiresAt > now ? [...t.held].sort((a, b) => a - b) : [],
        })),
      });
    }
    return [...groups.values()];
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
