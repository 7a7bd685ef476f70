/**
 * A share-group receive: acquire up to `maxRecords` records under a lock,
 * from the partitions in turn (starting at a random one, so concurrent
 * receivers spread over the partitions instead of all fighting over one
 * state item). Per partition: read the state (strongly consistent), plan
 * (due releases and expired locks first, in offset order, then new records
 * after the window's end), read those records from the log, apply the
 * filter, and write the new state conditional on the version read. A lost
 * race re-reads and tries again; the records are returned only once the
 * write that locks them has succeeded, so no record is ever held by two.
 */
import { UnavailableError } from '../errors';
import { matchesFilter, type RecordFilter } from '../filters/filter';
import { LONG_POLL_FIRST_PAUSE_MS, LONG_POLL_MAX_PAUSE_MS, MAX_FETCH_RESPONSE_BYTES } from '../limits';
import type { PartitionLog } from '../log/log';
import type { BlobStore } from '../ports';
import type { TopicService } from '../topics';
import { wireSize, type PositionedRecord, type Topic } from '../types';
import { prepareLetters, readOffsets } from './dead-lettering';
import type { ShareKey, ShareStore } from './ports';
import { encodeToken, explode, initialState, newSecret, type SharePartitionState } from './state';
import { applyReceive, planReceive, raiseStart } from './transitions';

export interface ReceiveRequest {
  readonly group: string;
  readonly topic: string;
  readonly consumerId?: string | undefined;
  readonly maxRecords: number;
  readonly waitMs: number;
  readonly lockMs: number;
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly filter?: RecordFilter | undefined;
}

/** A record handed out under a lock. */
export interface AcquiredRecord extends PositionedRecord {
  readonly deliveryAttempt: number;
  readonly lockToken: string;
  readonly lockExpiresAt: number;
}

/** Conditional-write attempts per partition before the receive moves on (and, if it got nothing, answers 503). */
export const WRITE_ATTEMPTS = 10;

/** Pause after losing a race for a partition's state: full jitter, 20 ms doubling, at most 500 ms. */
export function conflictBackoffMs(attempt: number): number {
  return Math.random() * Math.min(500, 20 * 2 ** attempt);
}

export interface ShareDeps {
  readonly topics: TopicService;
  readonly log: PartitionLog;
  readonly store: ShareStore;
  readonly blobs: BlobStore;
  readonly inlineMaxBytes: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

interface PartitionTake {
  readonly records: AcquiredRecord[];
  /** The state after the receive (for the long poll's cheap checks); undefined when every write lost. */
  readonly state: SharePartitionState | undefined;
}

export class ShareReceiver {
  constructor(private readonly deps: ShareDeps) {}

  async receive(request: ReceiveRequest): Promise<AcquiredRecord[]> {
    const { now, sleep } = this.deps;
    const topic = await this.deps.topics.get(request.topic);
    const key: ShareKey = { group: request.group, topic: topic.name, topicId: topic.topicId };
    const deadline = now() + request.waitMs;
    let pause = LONG_POLL_FIRST_PAUSE_MS;
    for (;;) {
      const { records, states, lost } = await this.receiveOnce(topic, key, request);
      if (records.length > 0) return records;
      if (lost && states.length === 0) throw new UnavailableError(`Share group '${request.group}' (every write lost a race)`);
      if (now() >= deadline) return records;
      while (now() < deadline) {
        await sleep(Math.min(pause, deadline - now()));
        pause = Math.min(pause * 2, LONG_POLL_MAX_PAUSE_MS);
        if (await this.anythingNew(topic, states)) break;
      }
    }
  }

  /** The cheap check of a waiting receive: a lock or delay has run out, or a batch landed at a window's end. */
  private async anythingNew(topic: Topic, states: readonly SharePartitionState[]): Promise<boolean> {
    const now = this.deps.now();
    for (const state of states) {
      if (state.entries.some((e) => e.until <= now)) return true;
      if (await this.deps.log.batchStartsAt(topic, state.partition, state.nextOffset)) return true;
    }
    return false;
  }

  private async receiveOnce(topic: Topic, key: ShareKey, request: ReceiveRequest) {
    const records: AcquiredRecord[] = [];
    const states: SharePartitionState[] = [];
    let lost = false;
    const first = Math.floor(Math.random() * topic.partitions);
    const budget = { bytes: MAX_FETCH_RESPONSE_BYTES };
    for (let i = 0; i < topic.partitions && records.length < request.maxRecords && budget.bytes > 0; i++) {
      const partition = (first + i) % topic.partitions;
      const take = await this.takeFromPartition(topic, key, partition, request, request.maxRecords - records.length, budget);
      records.push(...take.records);
      if (take.state) states.push(take.state);
      else lost = true;
    }
    return { records, states, lost };
  }

  /** The partition's state: `known` (what a lost write returned) or a strongly consistent read. */
  private async stateOf(topic: Topic, key: ShareKey, partition: number, reset: 'earliest' | 'latest', known?: SharePartitionState) {
    const marks = await this.deps.topics.partitionState(topic, partition);
    const stored = known ?? (await this.deps.store.get(key, partition));
    if (stored) return { marks, state: raiseStart(stored, marks.startOffset) };
    // The group's first receive here: pin every partition's start now (`latest` means now, on all of
    // them), so describe and the lag count from the same moment. Existing states are left alone.
    const starts = await Promise.all(Array.from({ length: topic.partitions }, (_, p) => this.startFor(topic, p, reset)));
    await Promise.all(
      starts.map((start, p) => (p === partition ? undefined : this.deps.store.write(key, 0, { ...initialState(p, start), version: 1 }, []))),
    );
    return { marks, state: raiseStart(initialState(partition, starts[partition] as number), marks.startOffset) };
  }

  private async startFor(topic: Topic, partition: number, reset: 'earliest' | 'latest'): Promise<number> {
    if (reset === 'latest') return this.deps.log.endOffset(topic, partition, { consistent: true });
    return (await this.deps.topics.partitionState(topic, partition)).startOffset;
  }

  private async takeFromPartition(
    topic: Topic,
    key: ShareKey,
    partition: number,
    request: ReceiveRequest,
    max: number,
    budget: { bytes: number },
  ): Promise<PartitionTake> {
    const { log, store, now: clock } = this.deps;
    // Log records never change at an offset: what one attempt read serves the next, so a retry after a
    // lost race is a state read and a write, not another log read (a shorter window to lose again).
    const cache = new Map<number, PositionedRecord>();
    let known: SharePartitionState | undefined;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const { marks, state } = await this.stateOf(topic, key, partition, request.autoOffsetReset, known);
      const now = clock();
      const plan = planReceive(state, now, max, topic.config.maxDeliveryAttempts);
      const wanted = [...plan.redeliver, ...plan.deadLetter];
      const missing = wanted.filter((offset) => !cache.has(offset));
      if (missing.length > 0) for (const [offset, record] of await readOffsets(log, topic, partition, missing, marks.archivedOffset)) cache.set(offset, record);
      const inWindow = new Map(wanted.flatMap((offset) => (cache.has(offset) ? [[offset, cache.get(offset) as PositionedRecord] as const] : [])));
      const fresh: PositionedRecord[] = [];
      while (fresh.length < plan.newCount && cache.has(plan.newFrom + fresh.length)) fresh.push(cache.get(plan.newFrom + fresh.length) as PositionedRecord);
      if (fresh.length < plan.newCount) {
        const from = plan.newFrom + fresh.length;
        const read = await log.read(topic, partition, from, plan.newCount - fresh.length, budget.bytes, marks.archivedOffset);
        for (const record of read.records) cache.set(record.offset, record);
        fresh.push(...read.records);
      }
      let bytes = budget.bytes;
      const acquired: PositionedRecord[] = [];
      const done: number[] = [];
      const offer = (record: PositionedRecord): boolean => {
        if (!matchesFilter(request.filter, record)) {
          done.push(record.offset);
          return true;
        }
        const size = wireSize(record);
        if (acquired.length > 0 && size > bytes) return false;
        bytes -= size;
        acquired.push(record);
        return true;
      };
      for (const offset of plan.redeliver) {
        const record = inWindow.get(offset);
        if (record && !offer(record)) break;
      }
      let nextOffset = plan.newFrom;
      for (const record of fresh) {
        if (record.offset !== nextOffset || !offer(record)) break;
        nextOffset += 1;
      }
      const pending = plan.deadLetter
        .filter((offset) => inWindow.has(offset))
        .map((offset) => {
          const deliveries = explode(state).get(offset)?.deliveryCount ?? 0;
          return { offset, deliveryCount: deliveries, error: `lock expired after ${deliveries} deliveries` };
        });
      const unchanged = acquired.length === 0 && done.length === 0 && pending.length === 0 && nextOffset === state.nextOffset;
      if (unchanged && state.version > 0) return { records: [], state };
      const secret = newSecret();
      const prepared = await prepareLetters(key, pending, inWindow, this.deps.blobs, this.deps.inlineMaxBytes, now);
      const next = applyReceive(state, now, {
        acquired: acquired.map((r) => r.offset),
        done,
        deadLettered: prepared.letters.map((l) => l.offset),
        nextOffset,
        lockMs: request.lockMs,
        secret,
        consumerId: request.consumerId,
      });
      const written = await store.write(key, state.version, next, prepared.letters);
      if (written.written) {
        budget.bytes = bytes;
        const slots = explode(next);
        const lockExpiresAt = now + request.lockMs;
        const records = acquired.map((record) => {
          const deliveryAttempt = slots.get(record.offset)?.deliveryCount ?? 1;
          const lockToken = encodeToken({ partition, offset: record.offset, deliveryCount: deliveryAttempt, secret });
          return { ...record, deliveryAttempt, lockToken, lockExpiresAt };
        });
        return { records, state: next };
      }
      if (prepared.spilled.length > 0) await this.deps.blobs.delete(prepared.spilled).catch(() => undefined);
      // Lost the race to another receive or ack: back off (more each time) and go again from the state that won.
      known = written.current;
      await this.deps.sleep(conflictBackoffMs(attempt));
    }
    return { records: [], state: undefined };
  }
}
