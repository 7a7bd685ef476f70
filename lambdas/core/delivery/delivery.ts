/**
 * Push delivery of one subscription's partition (DESIGN.md invariant 9).
 *
 * One dispatcher at a time delivers a partition: it claims the partition's
 * lease with a write conditional on the state it read (epoch and committed
 * offset) that also records the batch about to go out (its offset range and
 * webhook-id), so a retry after a failure or a crash sends the same range
 * under the same id. Every later write of that dispatcher is conditional on
 * the epoch its claim set (fencing): a dispatcher whose lease was taken over
 * can never move the offset. The committed offset moves only after a 2xx,
 * or in the same transaction that dead-letters the record that failed.
 *
 * A failed try frees the lease and schedules the next one (exponential
 * backoff with jitter); the sweep (a schedule) picks up due retries, so no
 * Lambda waits through a backoff. After `maxDeliveryAttempts` failures the
 * batch is split in half, down to the one record that fails.
 */
import { randomUUID } from 'node:crypto';
import { deadLetterId } from '../dead-letters';
import { MAX_FETCH_RESPONSE_BYTES } from '../limits';
import type { PartitionLog } from '../log/log';
import { encodeBatch } from '../log/record-batch';
import { metrics } from '../metrics';
import type { BlobStore } from '../ports';
import type { TopicService } from '../topics';
import type { PositionedRecord, Topic } from '../types';
import { retryDelayMs } from './backoff';
import { batchLimit, planBatch, splitBatch, type PlannedBatch } from './planner';
import type { DeliveryOutcome, DeliveryState, DeliveryTarget, PendingBatch, Subscription, SubscriptionKey, SubscriptionStore } from './types';

/** A claim lasts this long: longer than one delivery (15 s timeout) and the writes around it. */
export const LEASE_MS = 60_000;
/** A delivery whose lease has less than this left is not started (it could outlive the lease). */
const LEASE_MARGIN_MS = 20_000;
/** A partition found busy is looked at again after this long (or when the holder's lease ends, if sooner). */
const BUSY_RECHECK_MS = 5_000;
/** Records read at most per look for matching records (filters pass over the rest). */
const SCAN_LIMIT = 1000;
/** One call delivers batches of a partition for at most this long, then leaves the rest to a later wake-up. */
const TIME_BUDGET_MS = 60_000;
/** A wake-up expects records up to the append's end; an eventually consistent read may lag: look again this often. */
const CATCH_UP_READS = 3;

export type PartitionResult = 'idle' | 'busy' | 'waiting' | 'retrying' | 'paused' | 'disabled' | 'budget';

/** One claim's delivery run: what every write under the lease needs. */
interface LeaseRun {
  readonly subscription: Subscription;
  readonly topic: Topic;
  readonly key: SubscriptionKey;
  readonly partition: number;
  /** The epoch the claim set: every write is conditional on it. */
  readonly epoch: number;
  readonly started: number;
  /** The end offset an append announced. */
  readonly expectedEnd: number;
}

export interface DeliveryOptions {
  readonly inlineMaxBytes: number;
  /** Turns a record into its JSON shape (the same as a fetch answers). */
  readonly present: (record: PositionedRecord) => unknown;
  /** Identifies this dispatcher in leases. */
  readonly holder?: string;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Test hook: called after a delivery answered and before its outcome is written (a crash there is simulated by throwing). */
  readonly afterDelivery?: (key: SubscriptionKey, partition: number, webhookId: string) => Promise<void> | void;
}

export class DeliveryService {
  readonly holder: string;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly store: SubscriptionStore,
    private readonly topics: TopicService,
    private readonly log: PartitionLog,
    private readonly blobs: BlobStore,
    private readonly target: DeliveryTarget,
    private readonly options: DeliveryOptions,
  ) {
    this.holder = options.holder ?? `dispatcher-${randomUUID()}`;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * Delivers the partition from its committed offset until it is caught up,
   * a try fails (a retry is then scheduled), or another dispatcher holds it.
   * `expectedEnd`: the end offset an append announced (reads that lag behind it are repeated).
   */
  async deliverPartition(
    subscription: Subscription,
    topic: Topic,
    partition: number,
    expectedEnd = 0,
    /** Send a batch that is not full at once (the sweep, when a batching window ended). */
    flush = false,
  ): Promise<PartitionResult> {
    const key: SubscriptionKey = { topic: topic.name, topicId: topic.topicId, name: subscription.name };
    const started = this.now();
    let lagging = 0;
    for (;;) {
      if (subscription.state !== 'active') return subscription.state;
      if (this.now() - started > TIME_BUDGET_MS) {
        await this.store.scheduleRetry(key, partition, this.now());
        return 'budget';
      }
      const state = await this.store.state(key, partition);
      const now = this.now();
      if (state.holder && state.leaseUntil > now) {
        // Someone delivers it: look again soon (it may stop before this append's records) and after its lease should it die.
        if (state.holder !== this.holder) await this.store.scheduleRetry(key, partition, Math.min(state.leaseUntil, now + BUSY_RECHECK_MS));
        return 'busy';
      }
      if (state.nextAttemptAt !== undefined && state.nextAttemptAt > now) {
        await this.store.scheduleRetry(key, partition, state.nextAttemptAt);
        return 'waiting';
      }
      const from = await this.startOf(topic, partition, state.committed);
      const plan = await this.plan(subscription, topic, partition, state, from);
      if (!plan) {
        if (from < expectedEnd && lagging++ < CATCH_UP_READS) {
          await this.sleep(100 * lagging);
          continue;
        }
        return 'idle';
      }
      const pending = state.batch !== undefined && state.committed === from;
      const fillBy = pending || flush ? undefined : this.batchingDeadline(subscription, plan, now);
      if (fillBy !== undefined) {
        // A batch not yet full waits up to maxBatchingWindowMs (from its first record) for more: the sweep sends it then.
        await this.store.scheduleRetry(key, partition, fillBy);
        return 'waiting';
      }
      const batch: PendingBatch = state.batch && state.committed === from ? state.batch : { id: newWebhookId(), end: plan.end, attempts: 0 };
      const epoch = await this.store.claim(key, state, this.holder, now + LEASE_MS, batch, from);
      if (epoch === undefined) return 'busy';
      const run: LeaseRun = { subscription, topic, key, partition, epoch, started, expectedEnd };
      const next = await this.holdLease(run, { ...state, committed: from, epoch }, batch, plan);
      if (next !== 'continue') return next;
    }
  }

  /**
   * Delivers batches while holding the lease the claim took. A 2xx is
   * committed in the same write that records the next batch and renews the
   * lease when the next batch is ready to go (one write per batch while
   * records keep coming); the last commit frees the lease. 'continue': look
   * again from the committed offset (a read lagging behind an announced
   * append, or a partial success's remainder).
   */
  private async holdLease(
    run: LeaseRun,
    state: DeliveryState & { committed: number },
    batch: PendingBatch,
    plan: PlannedBatch,
  ): Promise<PartitionResult | 'continue'> {
    for (;;) {
      if (plan.records.length > 0) {
        const outcome = await this.send(run, batch, plan);
        if (outcome.kind !== 'delivered') return this.notDelivered(run, state, batch, plan, outcome);
      }
      const now = this.now();
      const overBudget = now - run.started > TIME_BUDGET_MS;
      const next = overBudget ? undefined : await this.plan(run.subscription, run.topic, run.partition, { ...state, committed: batch.end, batch: undefined }, batch.end);
      const fillBy = next && this.batchingDeadline(run.subscription, next, now);
      if (!next || fillBy !== undefined) {
        if (!(await this.store.commit(run.key, run.partition, run.epoch, batch.end))) return 'busy';
        this.delivered(run, plan);
        if (overBudget) {
          await this.store.scheduleRetry(run.key, run.partition, now);
          return 'budget';
        }
        if (fillBy !== undefined) {
          // A batch not yet full waits up to maxBatchingWindowMs (from its first record) for more: the sweep sends it then.
          await this.store.scheduleRetry(run.key, run.partition, fillBy);
          return 'waiting';
        }
        return batch.end < run.expectedEnd ? 'continue' : 'idle';
      }
      const nextBatch: PendingBatch = { id: newWebhookId(), end: next.end, attempts: 0 };
      if (!(await this.store.advance(run.key, run.partition, run.epoch, batch.end, nextBatch, now + LEASE_MS))) return 'busy';
      this.delivered(run, plan);
      state = { ...state, committed: batch.end, batch: nextBatch, consecutiveFailures: 0, failingSince: undefined, lastError: undefined, nextAttemptAt: undefined };
      batch = nextBatch;
      plan = next;
    }
  }

  /** When a new, not yet full batch should go out if it is to wait for more records; undefined: send it now. */
  private batchingDeadline(subscription: Subscription, plan: PlannedBatch, now: number): number | undefined {
    const first = plan.records[0];
    if (!first || subscription.maxBatchingWindowMs === 0 || plan.records.length >= subscription.maxBatchRecords) return undefined;
    const fillBy = Math.min(first.timestamp, now) + subscription.maxBatchingWindowMs;
    return fillBy > now ? fillBy : undefined;
  }

  /** Where delivery starts: the committed offset, or the start offset once retention passed it. */
  private async startOf(topic: Topic, partition: number, committed: number | undefined): Promise<number> {
    const { startOffset } = await this.topics.partitionState(topic, partition);
    return Math.max(committed ?? startOffset, startOffset);
  }

  /** The records of the pending batch, or of a new one; undefined when there is nothing to deliver. */
  private async plan(
    subscription: Subscription,
    topic: Topic,
    partition: number,
    state: DeliveryState,
    from: number,
  ): Promise<PlannedBatch | undefined> {
    if (state.batch && state.committed === from) {
      const records = await this.readRange(topic, partition, from, state.batch.end);
      return planBatch(records, state.batch.end, subscription.filter, Number.MAX_SAFE_INTEGER);
    }
    const limit = batchLimit(subscription.maxBatchRecords, from, state.capSize, state.capUntil);
    const scan = subscription.filter ? SCAN_LIMIT : limit;
    const { archivedOffset } = await this.topics.partitionState(topic, partition);
    const read = await this.log.read(topic, partition, from, scan, MAX_FETCH_RESPONSE_BYTES, archivedOffset);
    if (read.records.length === 0) return undefined;
    return planBatch(read.records, read.nextOffset, subscription.filter, limit);
  }

  private async readRange(topic: Topic, partition: number, from: number, end: number): Promise<PositionedRecord[]> {
    const records: PositionedRecord[] = [];
    const { archivedOffset } = await this.topics.partitionState(topic, partition);
    let position = from;
    while (position < end) {
      const read = await this.log.read(topic, partition, position, end - position, MAX_FETCH_RESPONSE_BYTES, archivedOffset);
      if (read.records.length === 0) break;
      records.push(...read.records.filter((r) => r.offset < end));
      position = read.nextOffset;
    }
    return records;
  }

  /** Sends the batch; a crash right after (the test hook) leaves it pending, to be sent again under the same id. */
  private async send(run: LeaseRun, batch: PendingBatch, plan: PlannedBatch): Promise<DeliveryOutcome> {
    const body = JSON.stringify({
      topic: run.topic.name,
      subscription: run.subscription.name,
      partition: run.partition,
      records: plan.records.map(this.options.present),
    });
    const outcome = await this.target.deliver(run.subscription.target, {
      webhookId: batch.id,
      timestamp: Math.floor(this.now() / 1000),
      body,
      secrets: run.subscription.secrets,
    });
    await this.options.afterDelivery?.(run.key, run.partition, batch.id);
    return outcome;
  }

  /** Counts a committed batch. */
  private delivered(run: LeaseRun, plan: PlannedBatch): void {
    const first = plan.records[0];
    if (!first) return;
    const sink = metrics();
    sink.count('RecordsDelivered', plan.records.length);
    sink.deliveryLatency?.(run.subscription.name, run.topic.name, Math.max(0, this.now() - first.timestamp));
  }

  private async notDelivered(
    run: LeaseRun,
    state: DeliveryState & { committed: number },
    batch: PendingBatch,
    plan: PlannedBatch,
    outcome: Exclude<DeliveryOutcome, { kind: 'delivered' }>,
  ): Promise<PartitionResult | 'continue'> {
    const { subscription, topic, key, partition, epoch } = run;
    const sink = metrics();
    sink.count('DeliveryFailures', 1);
    if (outcome.kind === 'gone') {
      await this.store.update(key.topic, key.name, { state: 'disabled', disabledReason: outcome.error });
      sink.count('SubscriptionsDisabled', 1);
      await this.store.release(key, partition, epoch, undefined);
      return 'disabled';
    }
    if (outcome.kind === 'partial') {
      const firstFailed = Math.min(...outcome.failedOffsets.filter((o) => o >= state.committed && o < batch.end));
      if (Number.isFinite(firstFailed) && firstFailed > state.committed) {
        // The records before the first failure are delivered: commit them; the rest is a new batch.
        const delivered = plan.records.filter((r) => r.offset < firstFailed).length;
        if (await this.store.commit(key, partition, epoch, firstFailed)) sink.count('RecordsDelivered', delivered);
        return 'continue';
      }
    }
    return this.failed(subscription, topic, key, partition, epoch, state, batch, plan, outcome.error);
  }

  private async failed(
    subscription: Subscription,
    topic: Topic,
    key: SubscriptionKey,
    partition: number,
    epoch: number,
    state: DeliveryState & { committed: number },
    batch: PendingBatch,
    plan: PlannedBatch,
    error: string,
  ): Promise<PartitionResult | 'continue'> {
    const now = this.now();
    const attempts = batch.attempts + 1;
    const failures = state.consecutiveFailures + 1;
    const maxAttempts = subscription.maxDeliveryAttempts ?? topic.config.maxDeliveryAttempts;
    const lastError = error.slice(0, 1000);
    const common = { consecutiveFailures: failures, failingSince: state.failingSince ?? now, lastError };
    if (attempts >= maxAttempts) {
      const split = splitBatch(plan.records, batch.end, state.capUntil);
      if (!split) {
        const record = plan.records[0] as PositionedRecord;
        await this.deadLetter(key, partition, epoch, record, attempts, lastError, batch.end);
        return 'continue';
      }
      // A split batch is a new batch with its own webhook-id, tried at once.
      await this.store.fail(key, partition, epoch, {
        ...common,
        batch: { id: newWebhookId(), end: split.end, attempts: 0 },
        nextAttemptAt: now,
        capSize: split.capSize,
        capUntil: split.capUntil,
      });
      return 'continue';
    }
    const dueAt = now + retryDelayMs(failures, this.random);
    const written = await this.store.fail(key, partition, epoch, {
      ...common,
      batch: { ...batch, attempts },
      nextAttemptAt: dueAt,
      capSize: state.capSize,
      capUntil: state.capUntil,
    });
    if (written) await this.store.scheduleRetry(key, partition, dueAt);
    return 'retrying';
  }

  private async deadLetter(
    key: SubscriptionKey,
    partition: number,
    epoch: number,
    record: PositionedRecord,
    attempts: number,
    lastError: string,
    end: number,
  ): Promise<void> {
    const blob = encodeBatch([record]);
    let blobKey: string | undefined;
    if (blob.byteLength > this.options.inlineMaxBytes) {
      blobKey = `dead-letters/${key.topic}/${key.topicId}/${key.name}/${randomUUID()}`;
      await this.blobs.put(blobKey, blob);
    }
    const done = await this.store.deadLetter(
      key,
      partition,
      epoch,
      {
        topic: key.topic,
        topicId: key.topicId,
        id: deadLetterId(partition, record.offset, key.topicId),
        group: key.name,
        partition,
        offset: record.offset,
        deliveryAttempts: attempts,
        lastError,
        deadLetteredAt: this.now(),
        ...(blobKey ? { blobKey } : { blob }),
      },
      end,
    );
    if (done) metrics().count('RecordsDeadLettered', 1);
    else if (blobKey) await this.blobs.delete([blobKey]).catch(() => undefined);
  }
}

/** A webhook-id: `msg_` and a random UUID (one per batch; retries reuse it, splits get new ones). */
export function newWebhookId(): string {
  return `msg_${randomUUID().replace(/-/g, '')}`;
}
