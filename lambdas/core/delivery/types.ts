/**
 * Push subscriptions: what is stored and the ports the delivery engine is
 * written against (store and targets). No SDK or HTTP types here.
 */
import type { RecordFilter } from '../filters/filter';
import type { StoredDeadLetter } from '../ports';

export type SubscriptionTarget =
  | { readonly type: 'https'; readonly url: string }
  | { readonly type: 'lambda'; readonly functionArn: string };

export type SubscriptionState = 'active' | 'paused' | 'disabled';

/** Signing secrets: the current one, and for 24 h after a rotation the previous one. */
export interface SigningSecrets {
  readonly current: string;
  readonly previous?: string | undefined;
  readonly previousUntil?: number | undefined;
}

/** A subscription's configuration, as stored. */
export interface Subscription {
  readonly name: string;
  readonly topic: string;
  readonly topicId: string;
  readonly target: SubscriptionTarget;
  readonly filter: RecordFilter | null;
  readonly maxBatchRecords: number;
  readonly maxBatchingWindowMs: number;
  /** Null: the topic's `maxDeliveryAttempts`. */
  readonly maxDeliveryAttempts: number | null;
  readonly startFrom: 'earliest' | 'latest';
  readonly state: SubscriptionState;
  /** Why it was disabled (a 410 Gone, an invalid target), when it is. */
  readonly disabledReason?: string | undefined;
  readonly secrets: SigningSecrets;
  readonly createdAt: number;
}

export type SubscriptionPatch = Partial<
  Pick<Subscription, 'state' | 'filter' | 'maxBatchRecords' | 'maxBatchingWindowMs' | 'maxDeliveryAttempts' | 'secrets' | 'disabledReason'>
>;

/** The batch in flight (or awaiting retry) on a partition: fixed across retries so its webhook-id is too. */
export interface PendingBatch {
  /** The webhook-id. */
  readonly id: string;
  /** The batch covers [committed, end): its records are the matching ones in that range. */
  readonly end: number;
  /** Failed tries of this batch. */
  readonly attempts: number;
}

/** Per (subscription, partition) delivery state: committed offset, lease and fencing epoch, retry schedule. */
export interface DeliveryState {
  readonly partition: number;
  /** Next offset to deliver; undefined before the partition was first seen. */
  readonly committed: number | undefined;
  /** Bumped by every claim; every later write of the claimant is conditional on it (fencing). */
  readonly epoch: number;
  readonly holder: string | undefined;
  readonly leaseUntil: number;
  readonly batch: PendingBatch | undefined;
  /** Failed tries in a row on this partition (any batch), 0 after a success. */
  readonly consecutiveFailures: number;
  /** When the current run of failures began (epoch ms), for the alarm. */
  readonly failingSince: number | undefined;
  readonly lastError: string | undefined;
  /** No try before this time (epoch ms); undefined when nothing waits. */
  readonly nextAttemptAt: number | undefined;
  /** Bisecting: batches hold at most `capSize` matching records until `committed` reaches `capUntil`. */
  readonly capSize: number | undefined;
  readonly capUntil: number | undefined;
}

/** Identifies a subscription's delivery state on one topic incarnation. */
export interface SubscriptionKey {
  readonly topic: string;
  readonly topicId: string;
  readonly name: string;
}

/** What a failed try writes (conditional on the claim's epoch). */
export interface FailureUpdate {
  readonly batch: PendingBatch;
  readonly consecutiveFailures: number;
  readonly failingSince: number;
  readonly lastError: string;
  readonly nextAttemptAt: number;
  readonly capSize: number | undefined;
  readonly capUntil: number | undefined;
}

/** A partition the retry sweep must try at `dueAt`. */
export interface RetryNote {
  readonly key: SubscriptionKey;
  readonly partition: number;
  readonly dueAt: number;
}

/**
 * Runs the retry sweep while retry notes exist, and only then: on AWS the
 * dispatcher's EventBridge rule, enabled by the first note and disabled by a
 * sweep that found none left, so an idle deployment invokes nothing. The
 * local stack sweeps on a timer and needs neither.
 */
export interface SweepSchedule {
  /** A note was written where none was: make sure sweeps run. */
  wake(): Promise<void>;
  /** No note is left: stop sweeping (until the next `wake`). */
  sleep(): Promise<void>;
}

export interface SubscriptionStore {
  /** Creates the subscription and its partitions' start offsets; false when the name is taken. */
  create(subscription: Subscription, startOffsets: readonly number[]): Promise<boolean>;
  get(topic: string, name: string): Promise<Subscription | undefined>;
  list(topic: string): Promise<Subscription[]>;
  /** Applies the patch; undefined when there is no such subscription. */
  update(topic: string, name: string, patch: SubscriptionPatch): Promise<Subscription | undefined>;
  /** Deletes the subscription and its delivery state; false when there was none. */
  delete(topic: string, name: string): Promise<boolean>;
  /** Every partition's delivery state (strongly consistent). */
  states(key: SubscriptionKey): Promise<DeliveryState[]>;
  state(key: SubscriptionKey, partition: number): Promise<DeliveryState>;
  /**
   * Takes the partition's lease and records the batch about to go out, if the
   * state is still `expected` (same epoch, same committed offset); the new epoch, or undefined.
   */
  claim(key: SubscriptionKey, expected: DeliveryState, holder: string, leaseUntil: number, batch: PendingBatch, initial: number): Promise<number | undefined>;
  /** Moves the committed offset to `offset` and frees the lease (conditional on `epoch`). */
  commit(key: SubscriptionKey, partition: number, epoch: number, offset: number): Promise<boolean>;
  /**
   * Moves the committed offset to `offset` and records the next batch, keeping
   * the lease until `leaseUntil` (conditional on `epoch`): one write per batch while records keep coming.
   */
  advance(key: SubscriptionKey, partition: number, epoch: number, offset: number, next: PendingBatch, leaseUntil: number): Promise<boolean>;
  /** Records a failed try and when to try again, and frees the lease (conditional on `epoch`). */
  fail(key: SubscriptionKey, partition: number, epoch: number, update: FailureUpdate): Promise<boolean>;
  /** Frees the lease, leaving the offset and batch; `nextAttemptAt` when a later try is due. */
  release(key: SubscriptionKey, partition: number, epoch: number, nextAttemptAt: number | undefined): Promise<boolean>;
  /** Writes the dead letter and commits past its batch, atomically (conditional on `epoch`). */
  deadLetter(key: SubscriptionKey, partition: number, epoch: number, letter: StoredDeadLetter, offset: number): Promise<boolean>;
  /**
   * Notes that the partition needs a try at `dueAt` (found by the sweep), and
   * wakes the sweep (`SweepSchedule.wake`) when no note was there.
   */
  scheduleRetry(key: SubscriptionKey, partition: number, dueAt: number): Promise<void>;
  /** Every retry note, due or not (strongly consistent). */
  retryNotes(): Promise<RetryNote[]>;
  /** Removes a retry note if it is still the one seen. */
  clearRetry(key: SubscriptionKey, partition: number, dueAt: number): Promise<void>;
}

/** The answer of a target to one batch. */
export type DeliveryOutcome =
  | { readonly kind: 'delivered' }
  /** 410 Gone: disable the subscription. */
  | { readonly kind: 'gone'; readonly error: string }
  /** Some records failed (a Lambda's batchItemFailures), by offset. */
  | { readonly kind: 'partial'; readonly failedOffsets: readonly number[]; readonly error: string }
  | { readonly kind: 'failed'; readonly error: string };

/** One delivery: the body and the Standard Webhooks identity of the batch. */
export interface DeliveryRequest {
  readonly webhookId: string;
  /** Seconds. */
  readonly timestamp: number;
  readonly body: string;
  readonly secrets: SigningSecrets;
}

/** Sends a batch to where a subscription points; never throws for a target's failure. */
export interface DeliveryTarget {
  deliver(target: SubscriptionTarget, request: DeliveryRequest): Promise<DeliveryOutcome>;
}
