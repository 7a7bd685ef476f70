/**
 * Share groups (API.md, "Share groups"; DESIGN.md invariant 8): a topic
 * consumed as a work queue, with per-record locks and acks. All state lives
 * in one item per (group, topic incarnation, partition) (see `state.ts`),
 * changed only by writes conditional on the version read, so any Lambda can
 * serve any consumer and two writers never both change one version.
 */
import { GroupNotFoundError, UnavailableError } from '../errors';
import type { PartitionLog } from '../log/log';
import { metrics } from '../metrics';
import type { BlobStore } from '../ports';
import type { TopicReader, TopicReaderSource } from '../readers';
import type { TopicService } from '../topics';
import type { Topic } from '../types';
import { prepareLetters, readOffsets } from './dead-lettering';
import type { ShareKey, ShareStore } from './ports';
import { conflictBackoffMs, ShareReceiver, WRITE_ATTEMPTS, type AcquiredRecord, type ReceiveRequest, type ShareDeps } from './receive';
import { describeCounts, initialState, type SharePartitionState } from './state';
import { applyAcks, applyReset, DEAD_LETTERS_PER_WRITE, raiseStart, type Ack, type AckStatus } from './transitions';

export type { AcquiredRecord, ReceiveRequest } from './receive';

/** An ack as the API takes it: the record's partition beside the rest. */
export interface PartitionAck extends Ack {
  readonly partition: number;
}

export interface AckResult {
  readonly partition: number;
  readonly offset: number;
  readonly status: AckStatus;
}

export interface SharePartitionDescription {
  partition: number;
  /** Null for a partition the group has not received from yet. */
  startOffset: number | null;
  endOffset: number;
  acquired: number;
  /** Null for a partition the group has not received from yet. */
  available: number | null;
  deadLettered: number;
}

/** Where a reset moves the start offset (as for consumer groups). */
export type ResetTarget = 'earliest' | 'latest' | { offset: number } | { timestamp: number } | { shiftBy: number };

/** Splits one partition's acks so that each write dead-letters at most DEAD_LETTERS_PER_WRITE records. */
function chunks(acks: readonly Ack[]): Ack[][] {
  const out: Ack[][] = [[]];
  let failing = 0;
  for (const ack of acks) {
    const mayDeadLetter = ack.type === 'reject' || ack.type === 'release';
    if (mayDeadLetter && failing === DEAD_LETTERS_PER_WRITE) {
      out.push([]);
      failing = 0;
    }
    if (mayDeadLetter) failing += 1;
    (out[out.length - 1] as Ack[]).push(ack);
  }
  return out;
}

/** How often a container samples a share group's gauges (see `sampleGauges`). */
const GAUGE_INTERVAL_MS = 60_000;

export class ShareGroupService implements TopicReaderSource {
  private readonly receiver: ShareReceiver;
  private readonly sampledAt = new Map<string, number>();
  private readonly deps: ShareDeps;

  constructor(
    topics: TopicService,
    log: PartitionLog,
    store: ShareStore,
    blobs: BlobStore,
    inlineMaxBytes: number,
    now: () => number = Date.now,
    sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.deps = { topics, log, store, blobs, inlineMaxBytes, now, sleep };
    this.receiver = new ShareReceiver(this.deps);
  }

  private async key(group: string, topicName: string): Promise<{ topic: Topic; key: ShareKey }> {
    const topic = await this.deps.topics.get(topicName);
    return { topic, key: { group, topic: topic.name, topicId: topic.topicId } };
  }

  /** Acquires up to `maxRecords` records under a lock (long-polling up to `waitMs` when none is available). */
  async receive(request: ReceiveRequest): Promise<AcquiredRecord[]> {
    const records = await this.receiver.receive(request);
    const sink = metrics();
    if (sink.enabled) {
      if (records.length > 0) sink.count('RecordsPolled', records.length);
      await this.sampleGauges(request.group, request.topic).catch(() => undefined);
    }
    return records;
  }

  /**
   * Reports the group's `available` (as ConsumerLag) and `acquired` records,
   * at most once a minute per group and topic in a container (a Query of the
   * group's states and one end-offset read per partition), only when metrics
   * are recorded: the metric's resolution, at a cost that does not grow with receives.
   */
  private async sampleGauges(group: string, topicName: string): Promise<void> {
    const key = `${group}#${topicName}`;
    const now = this.deps.now();
    if (now - (this.sampledAt.get(key) ?? 0) < GAUGE_INTERVAL_MS) return;
    if (this.sampledAt.size >= 10_000) this.sampledAt.clear();
    this.sampledAt.set(key, now);
    const { partitions } = await this.describe(group, topicName);
    metrics().shareAcquired?.(group, topicName, partitions.reduce((n, p) => n + p.acquired, 0));
  }

  /** Applies acks; one result per ack, in request order. */
  async ack(group: string, topicName: string, acks: readonly PartitionAck[]): Promise<AckResult[]> {
    const { topic, key } = await this.key(group, topicName);
    const statuses: AckStatus[] = acks.map(() => 'lock-lost');
    const byPartition = new Map<number, number[]>();
    acks.forEach((ack, i) => {
      if (ack.partition < topic.partitions) byPartition.set(ack.partition, [...(byPartition.get(ack.partition) ?? []), i]);
    });
    await Promise.all(
      [...byPartition].map(async ([partition, indexes]) => {
        let done = 0;
        for (const chunk of chunks(indexes.map((i) => acks[i] as PartitionAck))) {
          const results = await this.ackPartition(topic, key, partition, chunk);
          results.forEach((status, j) => (statuses[indexes[done + j] as number] = status));
          done += chunk.length;
        }
      }),
    );
    const deadLettered = statuses.filter((s) => s === 'dead-lettered').length;
    if (deadLettered > 0) metrics().count('RecordsDeadLettered', deadLettered);
    return acks.map((ack, i) => ({ partition: ack.partition, offset: ack.offset, status: statuses[i] as AckStatus }));
  }

  private async ackPartition(topic: Topic, key: ShareKey, partition: number, acks: readonly Ack[]): Promise<AckStatus[]> {
    const { store, log, now: clock } = this.deps;
    let known: SharePartitionState | undefined;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const state = known ?? (await store.get(key, partition));
      if (!state) return acks.map(() => 'lock-lost');
      const now = clock();
      const outcome = applyAcks(state, now, acks, topic.config.maxDeliveryAttempts);
      if (!outcome.changed) return [...outcome.results];
      let letters: Awaited<ReturnType<typeof prepareLetters>> = { letters: [], spilled: [] };
      if (outcome.deadLetters.length > 0) {
        const marks = await this.deps.topics.partitionState(topic, partition);
        const records = await readOffsets(log, topic, partition, outcome.deadLetters.map((d) => d.offset), marks.archivedOffset);
        letters = await prepareLetters(key, outcome.deadLetters, records, this.deps.blobs, this.deps.inlineMaxBytes, now);
      }
      const written = await store.write(key, state.version, outcome.state, letters.letters);
      if (written.written) return [...outcome.results];
      known = written.current;
      if (letters.spilled.length > 0) await this.deps.blobs.delete(letters.spilled).catch(() => undefined);
      await this.deps.sleep(conflictBackoffMs(attempt));
    }
    throw new UnavailableError(`Share group '${key.group}' (partition ${partition} kept changing)`);
  }

  async describe(group: string, topicName: string): Promise<{ group: string; topic: string; partitions: SharePartitionDescription[] }> {
    const { topic } = await this.key(group, topicName);
    const stored = await this.deps.store.list(topic, group);
    if (stored.length === 0) throw new GroupNotFoundError(group, topic.name);
    const byPartition = new Map(stored.map(({ state }) => [state.partition, state]));
    const marks = await this.deps.topics.partitionStates(topic);
    const now = this.deps.now();
    const partitions = await Promise.all(
      Array.from({ length: topic.partitions }, async (_, partition): Promise<SharePartitionDescription> => {
        const endOffset = await this.deps.log.endOffset(topic, partition);
        const found = byPartition.get(partition);
        if (!found) return { partition, startOffset: null, endOffset, acquired: 0, available: null, deadLettered: 0 };
        const state = raiseStart(found, marks[partition]?.startOffset ?? 0);
        return { partition, startOffset: state.startOffset, endOffset, ...describeCounts(state, endOffset, now), deadLettered: state.deadLettered };
      }),
    );
    const sink = metrics();
    if (sink.enabled) sink.consumerLag(group, topic.name, partitions.reduce((n, p) => n + (p.available ?? 0), 0));
    return { group, topic: topic.name, partitions };
  }

  /** Moves the start offset of the listed partitions (default all); locks in the reset range are dropped. */
  async reset(
    group: string,
    topicName: string,
    to: ResetTarget,
    partitions?: readonly number[],
  ): Promise<{ group: string; topic: string; offsets: Array<{ partition: number; committedOffset: number }> }> {
    const { topic, key } = await this.key(group, topicName);
    const list = partitions ?? Array.from({ length: topic.partitions }, (_, p) => p);
    const offsets = await Promise.all(list.map(async (partition) => ({ partition, committedOffset: await this.resetPartition(topic, key, partition, to) })));
    return { group, topic: topic.name, offsets };
  }

  private async resetPartition(topic: Topic, key: ShareKey, partition: number, to: ResetTarget): Promise<number> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const marks = await this.deps.topics.partitionState(topic, partition, true);
      const end = await this.deps.log.endOffset(topic, partition, { consistent: true });
      const stored = await this.deps.store.get(key, partition);
      const state = raiseStart(stored ?? initialState(partition, marks.startOffset), marks.startOffset);
      const target = await this.target(topic, partition, to, state, marks.startOffset, marks.archivedOffset, end);
      if ((await this.deps.store.write(key, stored?.version ?? 0, applyReset(state, target), [])).written) return target;
      await this.deps.sleep(conflictBackoffMs(attempt));
    }
    throw new UnavailableError(`Share group '${key.group}' (partition ${partition} kept changing)`);
  }

  private async target(topic: Topic, partition: number, to: ResetTarget, state: SharePartitionState, start: number, archived: number, end: number) {
    const clamp = (offset: number) => Math.min(end, Math.max(start, offset));
    if (to === 'earliest') return start;
    if (to === 'latest') return end;
    if ('offset' in to) return clamp(to.offset);
    if ('shiftBy' in to) return clamp(state.startOffset + to.shiftBy);
    return clamp(await this.deps.log.offsetForTimestamp(topic, partition, to.timestamp, start, archived));
  }

  /** Removes the group's state on the topic; its next receive starts afresh. */
  async delete(group: string, topicName: string): Promise<void> {
    const { topic, key } = await this.key(group, topicName);
    const stored = await this.deps.store.list(topic, group);
    if (stored.length === 0) throw new GroupNotFoundError(group, topic.name);
    await this.deps.store.remove(key, stored.map(({ state }) => state.partition));
  }

  /**
   * The topic's share groups: lag = records available (summed over the
   * partitions); members = distinct consumer ids that acquired records and
   * whose lock is still live or whose last receive was within MEMBER_TTL_MS
   * (receives that name no consumerId are not counted).
   */
  async listReaders(topic: Topic): Promise<TopicReader[]> {
    const stored = await this.deps.store.list(topic);
    if (stored.length === 0) return [];
    const marks = await this.deps.topics.partitionStates(topic);
    const ends = await Promise.all(Array.from({ length: topic.partitions }, (_, p) => this.deps.log.endOffset(topic, p)));
    const now = this.deps.now();
    const groups = new Map<string, { lag: number; members: Set<string> }>();
    for (const { group, state: found } of stored) {
      const entry = groups.get(group) ?? { lag: 0, members: new Set<string>() };
      groups.set(group, entry);
      if (found.partition >= topic.partitions) continue;
      const state = raiseStart(found, marks[found.partition]?.startOffset ?? 0);
      entry.lag += describeCounts(state, ends[found.partition] ?? 0, now).available;
      for (const [consumer, until] of Object.entries(state.seen)) if (until > now) entry.members.add(consumer);
    }
    return [...groups].map(([group, { lag, members }]) => ({ group, type: 'share' as const, lag, members: members.size }));
  }
}
