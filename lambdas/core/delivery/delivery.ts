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
import type { DeliveryState, DeliveryTarget, PendingBatch, Subscription, SubscriptionKey, SubscriptionStore } from './types';

/** A claim lasts this long: longer than one delivery (15 s timeout) and the writes around it. */
export const LEASE_MS = 60_000;
/** A delivery whose lease has less than this left is not started (it could outlive the lease). */
const LEASE_MARGIN_MS = 20_000;
/** Records read at most per look for matching records (filters pass over the rest). */
const SCAN_LIMIT = 1000;
/** One call delivers batches of a partition for at most this long, then leaves the rest to a later wake-up. */
const TIME_BUDGET_MS = 60_000;
/** A wake-up expects records up to the append's end; an eventually consistent read may lag: look again this often. */
const CATCH_UP_READS = 3;

export type PartitionResult = 'idle' | 'busy' | 'waiting' | 'retrying' | 'paused' | 'disabled' | 'budget';

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
        // Someone delivers it: make sure a later look happens should that dispatcher die.
        if (state.holder !== this.holder) await this.store.scheduleRetry(key, partition, state.leaseUntil);
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
      if (plan.records.length === 0) {
        await this.store.commit(key, partition, epoch, plan.end);
        continue;
      }
      const next = await this.deliverBatch(subscription, topic, key, partition, epoch, { ...state, committed: from, epoch }, batch, plan);
      if (next !== 'continue') return next;
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

  private async deliverBatch(
    subscription: Subscription,
    topic: Topic,
    key: SubscriptionKey,
    partition: number,
    epoch: number,
    state: DeliveryState & { committed: number },
    batch: PendingBatch,
    plan: PlannedBatch,
  ): Promise<PartitionResult | 'continue'> {
    const body = JSON.stringify({
      topic: topic.name,
      subscription: subscription.name,
      partition,
      records: plan.records.map(this.options.present),
    });
    const outcome = await this.target.deliver(subscription.target, {
      webhookId: batch.id,
      timestamp: Math.floor(this.now() / 1000),
      body,
      secrets: subscription.secrets,
    });
    await this.options.afterDelivery?.(key, partition, batch.id);
    const sink = metrics();
    if (outcome.kind === 'delivered') {
      if (await this.store.commit(key, partition, epoch, batch.end)) {
        sink.count('RecordsDelivered', plan.records.length);
        const first = plan.records[0];
        if (first) sink.deliveryLatency?.(subscription.name, topic.name, Math.max(0, this.now() - first.timestamp));
      }
      return 'continue';
    }
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
