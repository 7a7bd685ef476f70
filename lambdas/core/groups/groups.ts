/**
 * Consumer groups over stateless polls. All group state lives in the store:
 * any Lambda can serve any consumer. A poll heartbeats (one write that also
 * returns the member view), rebalances only when the fair share changed (a
 * transaction conditional on the view's version), then reads the records of
 * the consumer's partitions from their committed offsets. Commits and nacks
 * are conditional on the consumer still holding the partition (fencing);
 * see commits.ts. A lapsed lease counts a failed delivery (expiry.ts); an
 * offset reset moves committed offsets and revokes leases (reset.ts).
 */
import { planAssignment } from './assignment';
import { GroupNotFoundError, UnavailableError } from '../errors';
import { LONG_POLL_FIRST_PAUSE_MS, LONG_POLL_MAX_PAUSE_MS, MAX_FETCH_RESPONSE_BYTES } from '../limits';
import type { PartitionLog } from '../log/log';
import type { GroupKey, GroupPartition, GroupStore, GroupView } from '../ports';
import type { TopicService } from '../topics';
import { wireSize, type PositionedRecord, type Topic } from '../types';
import type { DeadLetterWriter } from '../dead-letters';
import { LagSample, reportLag } from './lag';
import { countRecords } from '../metrics';
import { commitOffsets, nackRecord, type NackRequest } from './commits';
import { groupKey, RETRY_ATTEMPTS, type GroupContext } from './context';
import { countLapsedDeliveries, markDeliveries, type LapsedLease } from './expiry';
import { resetOffsets, type ResetRequest, type ResetResult } from './reset';

export { retryBackoffMs, type NackRequest } from './commits';
export type { ResetRequest, ResetResult, ResetTarget } from './reset';

export interface PollRequest {
  group: string;
  topic: string;
  consumerId: string;
  maxRecords: number;
  waitMs: number;
  sessionTimeoutMs: number;
  autoOffsetReset: 'earliest' | 'latest';
  /**
   * How far the consumer has already read (next offset) on partitions it
   * held under a lease epoch. While it still holds a partition under that
   * epoch, the poll reads from there rather than from the committed offset,
   * so a consumer that commits less often than it polls (Kafka's auto-commit,
   * the Upstash facade) does not get the same records again. A new epoch
   * (the partition moved) starts at the committed offset again.
   */
  positions?: ReadonlyMap<number, ReadPosition> | undefined;
  /**
   * Ends the wait early (the poll then returns what it has, usually nothing),
   * checked between the pauses of the long poll, so within a pause (≤ 1 s).
   * Used to stop side-by-side polls of several topics once one has records.
   */
  signal?: AbortSignal | undefined;
}

/** A consumer's read position on a partition, valid for one lease epoch. */
export interface ReadPosition {
  readonly offset: number;
  readonly epoch: number;
}

export interface DeliveredRecord extends PositionedRecord {
  readonly deliveryAttempt: number;
}

export interface PollResult {
  records: DeliveredRecord[];
  assignment: Array<{ partition: number; leaseExpiresAt: number }>;
  /** The lease epoch of each partition read, for the caller's `positions` on its next poll. */
  epochs: ReadonlyMap<number, number>;
}

/** The state to read from: the consumer's own position when it is ahead of the committed offset under the same lease. */
function readFrom(state: GroupPartition, position: ReadPosition | undefined): GroupPartition {
  if (!position || position.epoch !== state.epoch || state.committed === undefined || position.offset <= state.committed) {
    return state;
  }
  // Records before the position were delivered under this lease: a nack's pending retry is behind us.
  return { ...state, committed: position.offset, attempts: 0, retryAt: 0 };
}

export interface GroupPartitionDescription {
  partition: number;
  committedOffset: number | null;
  endOffset: number;
  lag: number | null;
  consumerId: string | null;
  leaseExpiresAt: number | null;
}

/** How long an expired member that holds nothing stays in the group's member view. */
const FORGET_AFTER_MS = 10 * 60 * 1000;

export class GroupService {
  private readonly context: GroupContext;

  constructor(
    private readonly topics: TopicService,
    private readonly log: PartitionLog,
    private readonly groups: GroupStore,
    deadLetters: DeadLetterWriter,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.context = { topics, log, groups, deadLetters, now, sleep };
  }

  private key(group: string, topicName: string): Promise<{ topic: Topic; key: GroupKey }> {
    return groupKey(this.context, group, topicName);
  }

  async poll(request: PollRequest): Promise<PollResult> {
    const { topic, key } = await this.key(request.group, request.topic);
    const deadline = this.now() + request.waitMs;
    let leaseExpiresAt = this.now() + request.sessionTimeoutMs;
    const { held, lapsed } = await this.assign(topic, key, request.consumerId, leaseExpiresAt, request.autoOffsetReset);
    await countLapsedDeliveries(this.context, topic, key, request.consumerId, lapsed);
    const assignment = () => held.map((partition) => ({ partition, leaseExpiresAt }));
    let pause = LONG_POLL_FIRST_PAUSE_MS;
    const lag = new LagSample();
    for (;;) {
      const owned = (await this.groups.partitions(key, held)).filter((s) => s.holder === request.consumerId);
      const states = owned.map((s) => readFrom(s, request.positions?.get(s.partition)));
      const records = await this.read(topic, states, request.maxRecords, lag);
      if (records.length > 0 || this.now() >= deadline || request.signal?.aborted) {
        await markDeliveries(this.context, key, request.consumerId, owned, records);
        countRecords('Polled', records);
        await reportLag(this.log, topic, request.group, lag, this.now);
        return { records, assignment: assignment(), epochs: new Map(states.map((s) => [s.partition, s.epoch])) };
      }
      // Nothing to deliver: wait cheaply until a batch lands at a committed offset or a backoff ends.
      while (this.now() < deadline && !request.signal?.aborted) {
        await this.sleep(Math.min(pause, deadline - this.now()));
        pause = Math.min(pause * 2, LONG_POLL_MAX_PAUSE_MS);
        // A long wait keeps the session alive: renew it once half of it has passed.
        if (this.now() > leaseExpiresAt - request.sessionTimeoutMs / 2) {
          leaseExpiresAt = this.now() + request.sessionTimeoutMs;
          await this.groups.heartbeat(key, request.consumerId, leaseExpiresAt);
        }
        if (await this.anythingNew(topic, states)) break;
      }
    }
  }

  private async anythingNew(topic: Topic, states: readonly GroupPartition[]): Promise<boolean> {
    for (const state of states) {
      if (state.retryAt > 0 && state.retryAt <= this.now()) return true;
      if (state.committed !== undefined && (await this.log.batchStartsAt(topic, state.partition, state.committed))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Heartbeats and, when the fair share changed, rebalances; returns the
   * partitions held, and those of them whose lease had lapsed (taken from an
   * expired member, or the consumer's own, renewed after its session expired).
   */
  private async assign(
    topic: Topic,
    key: GroupKey,
    consumer: string,
    expiresAt: number,
    reset: 'earliest' | 'latest',
  ): Promise<{ held: number[]; lapsed: Map<number, LapsedLease> }> {
    let view: GroupView | undefined;
    const lapsed = new Map<number, LapsedLease>();
    for (let attempt = 0; attempt < RETRY_ATTEMPTS; attempt++) {
      const before = this.now();
      view = await this.groups.heartbeat(key, consumer, expiresAt);
      if (attempt === 0 && view.previousExpiresAt !== undefined && view.previousExpiresAt < before) {
        for (const p of view.members.get(consumer)?.held ?? []) lapsed.set(p, { from: consumer, taken: false });
      }
      const now = this.now();
      await this.forgetLongGone(key, view, now);
      const plan = planAssignment(view.members, consumer, topic.partitions, now);
      const result = () => {
        for (const p of lapsed.keys()) if (!plan.held.includes(p)) lapsed.delete(p);
        for (const { partition, from } of plan.acquire) if (from) lapsed.set(partition, { from, taken: true });
        return { held: plan.held, lapsed };
      };
      if (plan.acquire.length === 0 && plan.release.length === 0) return result();
      const expired = new Map<string, number[]>();
      for (const { partition, from } of plan.acquire) {
        if (!from) continue;
        const remaining = expired.get(from) ?? [...(view.members.get(from)?.held ?? [])];
        expired.set(from, remaining.filter((p) => p !== partition));
      }
      const acquire = await Promise.all(
        plan.acquire.map(async (a) => ({ ...a, initialOffset: await this.initialOffset(topic, a.partition, reset) })),
      );
      const done = await this.groups.reassign(key, {
        version: view.version,
        consumer,
        held: plan.held,
        acquire,
        release: plan.release,
        expired,
        now,
      });
      if (done) return result();
      await this.sleep(Math.random() * 50 * (attempt + 1));
    }
    // Others kept changing the assignment: serve what the last view says we hold.
    return { held: [...(view?.members.get(consumer)?.held ?? [])].filter((p) => p < topic.partitions), lapsed: new Map() };
  }

  /** Members silent for FORGET_AFTER_MS and holding nothing are dropped from the view (at most 20 per poll). */
  private async forgetLongGone(key: GroupKey, view: GroupView, now: number): Promise<void> {
    const gone = new Map<string, number>();
    for (const [id, member] of view.members) {
      if (member.held.length === 0 && member.expiresAt < now - FORGET_AFTER_MS && gone.size < 20) gone.set(id, member.expiresAt);
    }
    if (gone.size > 0) await this.groups.forget(key, gone);
  }

  private async initialOffset(topic: Topic, partition: number, reset: 'earliest' | 'latest'): Promise<number> {
    if (reset === 'latest') return this.log.endOffset(topic, partition, { consistent: true });
    return (await this.topics.partitionState(topic, partition)).startOffset;
  }

  /** Reads up to `max` records across the partitions, starting at a random one for fairness. */
  private async read(topic: Topic, states: readonly GroupPartition[], max: number, lag?: LagSample): Promise<DeliveredRecord[]> {
    const now = this.now();
    const ready = states.filter((s) => s.committed !== undefined && s.retryAt <= now);
    const out: DeliveredRecord[] = [];
    const start = Math.floor(Math.random() * Math.max(1, ready.length));
    let bytes = MAX_FETCH_RESPONSE_BYTES;
    for (let i = 0; i < ready.length && out.length < max && bytes > 0; i++) {
      const state = ready[(start + i) % ready.length] as GroupPartition;
      let marks = await this.topics.partitionState(topic, state.partition);
      // A committed offset that retention passed continues from the start offset.
      let from = Math.max(state.committed as number, marks.startOffset);
      let read = await this.log.read(topic, state.partition, from, max - out.length, bytes, marks.archivedOffset);
      if (read.records.length === 0 && (read.missing || read.endOffset === undefined)) {
        marks = await this.topics.partitionState(topic, state.partition, true);
        from = Math.max(state.committed as number, marks.startOffset);
        read = await this.log.read(topic, state.partition, from, max - out.length, bytes, marks.archivedOffset);
      }
      lag?.observe(state.partition, from, read);
      for (const record of read.records) {
        const size = wireSize(record);
        if (out.length > 0 && size > bytes) return out;
        bytes -= size;
        out.push({ ...record, deliveryAttempt: record.offset === state.committed ? state.attempts + 1 : 1 });
      }
    }
    return out;
  }

  /**
   * Commits offsets (each the next offset to read). Returns, per partition,
   * the offset now committed: a lower offset than the stored one leaves it.
   * An offset above its partition's end offset refuses the whole commit (416).
   */
  commit(
    group: string,
    topicName: string,
    consumer: string,
    offsets: ReadonlyArray<{ partition: number; offset: number }>,
  ): Promise<Array<{ partition: number; committedOffset: number }>> {
    return commitOffsets(this.context, group, topicName, consumer, offsets);
  }

  /** A failed delivery reported by the consumer: retried with backoff, or dead-lettered at the limit. */
  nack(request: NackRequest): Promise<{ action: 'retry' | 'dead-lettered'; deliveryAttempt: number }> {
    return nackRecord(this.context, request);
  }

  /** Moves the group's committed offsets (see reset.ts); GROUP_ACTIVE unless forced while leases are live. */
  resetOffsets(request: ResetRequest): Promise<ResetResult> {
    return resetOffsets(this.context, request);
  }

  async describe(group: string, topicName: string): Promise<{ group: string; topic: string; partitions: GroupPartitionDescription[] }> {
    const { topic, key } = await this.key(group, topicName);
    const { view, partitions } = await this.groups.describe(key);
    if (!view && partitions.length === 0) throw new GroupNotFoundError(group, topic.name);
    const byPartition = new Map(partitions.map((p) => [p.partition, p]));
    const marks = await this.topics.partitionStates(topic);
    const now = this.now();
    const described = await Promise.all(
      Array.from({ length: topic.partitions }, async (_, partition) => {
        const state = byPartition.get(partition);
        const endOffset = await this.log.endOffset(topic, partition);
        const holder = state?.holder;
        const expiresAt = holder ? view?.members.get(holder)?.expiresAt : undefined;
        const live = expiresAt !== undefined && expiresAt > now;
        const committed = state?.committed;
        return {
          partition,
          committedOffset: committed ?? null,
          endOffset,
          // Records retention removed are no longer to be consumed: lag counts from the start offset.
          lag: committed === undefined ? null : Math.max(0, endOffset - Math.max(committed, marks[partition]?.startOffset ?? 0)),
          consumerId: live ? (holder as string) : null,
          leaseExpiresAt: live ? (expiresAt as number) : null,
        };
      }),
    );
    return { group, topic: topic.name, partitions: described };
  }

  /** Removes the consumer from the group at once, freeing its partitions. */
  async leave(group: string, topicName: string, consumer: string): Promise<void> {
    const { key } = await this.key(group, topicName);
    for (let attempt = 0; attempt < 5; attempt++) {
      const { view } = await this.groups.describe(key);
      if (!view) throw new GroupNotFoundError(group, topicName);
      if (!view.members.has(consumer)) return;
      if (await this.groups.leave(key, consumer, view)) return;
      await this.sleep(Math.random() * 50 * (attempt + 1));
    }
    throw new UnavailableError(`Group '${group}' (it kept changing)`);
  }
}
