/**
 * The small store interfaces the engine is written against. The DynamoDB and
 * S3 implementations live in `lambdas/store/`; the engine never sees an SDK type.
 */
import type { Topic, TopicConfig } from './types';

/** The header of a record batch: where it sits in the log and what it holds. */
export interface BatchHeader {
  /** Base offset: the offset of the batch's first record. */
  readonly offset: number;
  /** Number of records; the batch covers [offset, offset + count). */
  readonly count: number;
}

/** One log item: a record batch, inline or as a pointer to an S3 object. */
export interface BatchItem extends BatchHeader {
  /** Largest record timestamp in the batch. */
  readonly maxTimestamp: number;
  /** Sum of the records' sizes (key, value, headers), before compression. */
  readonly bytes: number;
  /** Server time the batch was appended (epoch ms). */
  readonly appendedAt: number;
  /** The encoded batch, when stored inline. */
  readonly blob?: Uint8Array;
  /** The S3 key holding the encoded batch, when too large to keep inline. */
  readonly blobKey?: string;
  /**
   * A fence written by a topic delete (no records, count 0): an append that
   * meets it answers TOPIC_NOT_FOUND instead of landing in the deleted log.
   */
  readonly fenced?: boolean;
}

export type PutBatchResult =
  | { readonly written: true }
  | { readonly written: false; readonly occupant: BatchHeader }
  /** A topic delete fenced the partition at this offset: the incarnation is gone. */
  | { readonly written: false; readonly fenced: true };

/**
 * The idempotency part of a keyed produce's batch for one partition: a
 * pointer item written in the same transaction as the batch, so that the
 * batch exists exactly when its pointer does.
 */
export interface OncePart {
  /** The pointer's key: topic, topic id, partition and a hash of the Idempotency-Key. */
  readonly id: string;
  /** Hash of the request body: a repeat with another body is refused. */
  readonly fingerprint: string;
  /** Epoch seconds after which the pointer no longer counts (24 h). */
  readonly expiresAt: number;
}

export type OncePutResult =
  | PutBatchResult
  | { readonly written: false; readonly conflict: true }
  /** The pointer exists: this batch was already written by an earlier attempt, at `offset`. */
  | { readonly written: false; readonly already: { readonly offset: number; readonly count: number; readonly fingerprint: string } };

/** The request-level record of a keyed produce (which body, how many partitions it was assigned over). */
export interface IdempotencyStore {
  /**
   * Claims `id` for this request: when free (or expired) records
   * `fingerprint` and `partitions`; when held with the same fingerprint
   * returns the partitions recorded first; undefined when held by another body.
   */
  claim(id: string, fingerprint: string, partitions: number, expiresAt: number): Promise<{ partitions: number } | undefined>;
}

export interface ReadOptions {
  /** Strongly consistent read (costs twice an eventually consistent one). */
  readonly consistent?: boolean;
}

export interface ForwardPage {
  readonly items: BatchItem[];
  /** True when the query reached the newest item of the partition. */
  readonly reachedEnd: boolean;
}

/** The partitioned log: one item collection per (topic id, partition). */
export type AtomicPutResult =
  | { readonly written: true }
  | { readonly written: false; readonly occupant: BatchHeader }
  | { readonly written: false; readonly fenced: true }
  /** Some parts' conditions failed (e.g. dead letters already redriven): nothing was written. */
  | { readonly written: false; readonly failedParts: string[] }
  /** Another request touched the same items at the same moment: nothing was written; try again. */
  | { readonly written: false; readonly conflict: true };

export interface LogStore {
  /** Like putBatch, but commits `parts` in the same transaction: all or nothing. */
  putBatchAtomically(stream: string, item: BatchItem, parts: readonly AtomicPart[]): Promise<AtomicPutResult>;
  /** Writes the batch at `item.offset` only if no batch starts there; else returns the occupant. */
  putBatch(stream: string, item: BatchItem): Promise<PutBatchResult>;
  /** Like putBatch, together with the idempotency pointer `once` in one transaction; reports an existing pointer. */
  putBatchOnce(stream: string, item: BatchItem, once: OncePart): Promise<OncePutResult>;
  /** Writes a delete's fence at `offset` if no batch starts there (see BatchItem.fenced). */
  putFence(stream: string, offset: number, at: number): Promise<PutBatchResult>;
  /** The newest batch of the partition, if any. */
  newest(stream: string, options?: ReadOptions): Promise<BatchItem | undefined>;
  /** The newest batch whose base offset is ≤ `offset` (the one containing it, if any). */
  atOrBefore(stream: string, offset: number, options?: ReadOptions): Promise<BatchItem | undefined>;
  /** Batches with base offset ≥ `offset`, ascending, at most `limit` items. */
  forward(stream: string, offset: number, limit: number, options?: ReadOptions): Promise<ForwardPage>;
  /**
   * Deletes every batch of the stream; returns the S3 keys the deleted
   * batches pointed to. Batches appended at or after `fenceSince` (epoch ms)
   * are replaced by fences instead of deleted, and fences are kept: a writer
   * whose cached head points at one of them must meet a fence, not a hole.
   */
  purge(stream: string, fenceSince?: number): Promise<string[]>;
  /** Deletes these batches (by base offset). */
  deleteBatches(stream: string, offsets: readonly number[]): Promise<void>;
  /** Removes a batch's records but keeps the item (offset, count) as the marker of the head. */
  clearPayload(stream: string, offset: number): Promise<void>;
}

/** Object storage for batches too large to keep inline, and for segments. */
export interface BlobStore extends SegmentObjects {
  get(key: string): Promise<Uint8Array>;
}

/** Per-partition state kept beside the topic: raised by retention and the archiver. */
export interface PartitionState {
  readonly partition: number;
  readonly startOffset: number;
  readonly archivedOffset: number;
  /** Record bytes held in S3 segments (exact). */
  readonly archivedBytes?: number;
  /** Record bytes held in DynamoDB, as the archiver last measured them. */
  readonly hotBytes?: number;
  readonly hotMeasuredAt?: number;
}

/** A segment's catalog entry (its index is kept apart, read only to seek into it). */
export interface SegmentInfo {
  /** First offset in the segment; the segment covers [base, end). */
  readonly base: number;
  readonly end: number;
  /** Record bytes before compression (what retentionBytes counts). */
  readonly bytes: number;
  /** Size of the S3 object. */
  readonly objectBytes: number;
  readonly maxTimestamp: number;
  readonly key: string;
}

/** Where archived segments are listed, and the partition marks they move. */
export interface SegmentCatalog {
  /**
   * Atomically records the segment and its index and advances the archive
   * mark from `expectedArchived` to `segment.end`; false when the mark had moved.
   */
  commitSegment(topic: Topic, partition: number, segment: SegmentInfo, index: Uint8Array, expectedArchived: number): Promise<boolean>;
  /** The segment whose range holds `offset`, with its index. */
  segmentAt(topic: Topic, partition: number, offset: number): Promise<{ info: SegmentInfo; index: Uint8Array } | undefined>;
  /** Every segment of the partition, oldest first (without indexes). */
  segments(topic: Topic, partition: number): Promise<SegmentInfo[]>;
  /** Raises the start offset to `to` (never lowers it; raises the archive mark with it if below). */
  raiseStart(topic: Topic, partition: number, to: number, releasedBytes: number): Promise<void>;
  /** Drops a segment's catalog entries (after the start offset passed it). */
  removeSegment(topic: Topic, partition: number, base: number): Promise<void>;
  /** Lowers the measured hot tier's size by `bytes` (records removed from DynamoDB); nothing when never measured. */
  releaseHotBytes(topic: Topic, partition: number, bytes: number): Promise<void>;
  /** Records the hot tier's size as measured by the archiver. */
  recordHotBytes(topic: Topic, partition: number, bytes: number, at: number): Promise<void>;
  /** A partition's state read strongly consistently (no cache). */
  state(topic: Topic, partition: number): Promise<PartitionState>;
}

/** Segment objects in S3. */
export interface SegmentObjects {
  put(key: string, body: Uint8Array): Promise<void>;
  /** Bytes [start, end) of an object. */
  getRange(key: string, start: number, end: number): Promise<Uint8Array>;
  delete(keys: readonly string[]): Promise<void>;
}

export type TopicPatch = Partial<TopicConfig> & { partitions?: number };

export interface TopicStore {
  /** Creates the topic; false when the name is taken. */
  create(topic: Topic): Promise<boolean>;
  get(name: string, options?: ReadOptions): Promise<Topic | undefined>;
  list(): Promise<Array<Pick<Topic, 'name' | 'partitions'>>>;
  /** Applies the patch; undefined when the topic does not exist. Never lowers `partitions`. */
  update(name: string, patch: TopicPatch): Promise<Topic | 'not-found' | 'partitions-decrease'>;
  /** Deletes the topic record; the deleted topic, or undefined when absent. */
  delete(name: string): Promise<Topic | undefined>;
  /** Partition states that differ from the defaults (start 0, nothing archived). */
  partitionStates(topic: Topic): Promise<PartitionState[]>;
  /** One partition's state (defaults when never moved). */
  partitionState(topic: Topic, partition: number, options?: ReadOptions): Promise<PartitionState>;
}

/** A group's view of its members for one topic, as the heartbeat returns it. */
export interface GroupView {
  /** Bumped by every change of assignment; changes are conditional on it. */
  readonly version: number;
  readonly members: ReadonlyMap<string, import('./groups/assignment').MemberState>;
  /**
   * The heartbeating consumer's session expiry before this heartbeat
   * (undefined when it was not a member): earlier than now means its lease
   * lapsed and it came back before anyone took its partitions.
   */
  readonly previousExpiresAt?: number | undefined;
}

/** A partition's state within a group. */
export interface GroupPartition {
  readonly partition: number;
  /** The next offset to deliver (Kafka's convention); undefined before the first assignment. */
  readonly committed: number | undefined;
  readonly holder: string | undefined;
  readonly epoch: number;
  /** Failed deliveries (nacks) of the record at `committed`. */
  readonly attempts: number;
  readonly lastError: string | undefined;
  /** No redelivery before this time (epoch ms), after a nack. */
  readonly retryAt: number;
}

/**
 * A consumer's "delivered up to" mark on a partition: a poll under lease
 * epoch `epoch` handed out the records before `delivered`. When that lease
 * lapses with `delivered` above the committed offset, the record at the
 * committed offset has failed a delivery (poison-record detection).
 */
export interface DeliveryMark {
  readonly partition: number;
  readonly epoch: number;
  readonly delivered: number;
}

/** A reset of some partitions' committed offsets, revoking their leases (one transaction). */
export interface OffsetResetChange {
  /** The member view's version read; the change applies only if it is still current. */
  readonly version: number;
  /** Members whose leases on reset partitions are revoked: their remaining holdings. */
  readonly revoke: ReadonlyMap<string, readonly number[]>;
  /** Revoked members seen expired: the change applies only if they still are (not forced). */
  readonly expiredBefore: number | undefined;
  readonly expired: readonly string[];
  readonly offsets: ReadonlyArray<{ partition: number; committed: number }>;
}

export interface AssignmentChange {
  readonly version: number;
  readonly consumer: string;
  readonly held: readonly number[];
  readonly acquire: ReadonlyArray<{ partition: number; from: string | undefined; initialOffset: number }>;
  readonly release: readonly number[];
  /** Expired members whose partitions are taken: their remaining holdings after the change. */
  readonly expired: ReadonlyMap<string, readonly number[]>;
  readonly now: number;
}

/** Identifies the (group, topic incarnation) an operation is about. */
export interface GroupKey {
  readonly group: string;
  readonly topic: string;
  readonly topicId: string;
}

export type CommitOutcome =
  | { readonly outcome: 'committed' | 'unchanged'; readonly committedOffset: number }
  | { readonly outcome: 'not-holder' };

/** A dead letter as stored: the failed record and why it failed. */
export interface DeadLetter {
  readonly id: string;
  readonly group: string;
  readonly partition: number;
  readonly offset: number;
  readonly record: import('./types').LogRecord;
  readonly deliveryAttempts: number;
  readonly lastError: string | undefined;
  readonly deadLetteredAt: number;
}

/** An opaque write that must commit atomically with a log append (e.g. removing a dead letter). */
export interface AtomicPart {
  readonly store: 'deadLetters';
  readonly request: unknown;
  /** Identifies this part in a failure report. */
  readonly id: string;
}

export interface GroupStore {
  /** Records the consumer as live until `expiresAt` and returns the group's view. */
  heartbeat(key: GroupKey, consumer: string, expiresAt: number): Promise<GroupView>;
  /** Applies an assignment change if the view's version is still current; false otherwise. */
  reassign(key: GroupKey, change: AssignmentChange): Promise<boolean>;
  /**
   * Drops members that expired long ago and hold nothing, if each is still as
   * seen (`expiresAt` unchanged), so the member view does not grow forever.
   */
  forget(key: GroupKey, members: ReadonlyMap<string, number>): Promise<void>;
  /** Removes the consumer and frees its partitions; false on a concurrent change. */
  leave(key: GroupKey, consumer: string, view: GroupView): Promise<boolean>;
  /** Consistent reads of some partitions' states. */
  partitions(key: GroupKey, partitions: readonly number[]): Promise<GroupPartition[]>;
  /** Every partition state and the member view, for describe. */
  describe(key: GroupKey): Promise<{ view: GroupView | undefined; partitions: GroupPartition[] }>;
  /** Moves the committed offset forward if `consumer` holds the partition. */
  commit(key: GroupKey, partition: number, consumer: string, offset: number): Promise<CommitOutcome>;
  /** Records a failed delivery of the record at `offset` (conditional on the state read). */
  recordFailure(
    key: GroupKey,
    expected: GroupPartition,
    consumer: string,
    update: { offset: number; attempts: number; lastError: string | undefined; retryAt: number },
  ): Promise<boolean>;
  /**
   * Atomically writes the dead letter and moves the committed offset past it
   * (conditional on the state read).
   */
  deadLetter(key: GroupKey, expected: GroupPartition, consumer: string, letter: StoredDeadLetter): Promise<boolean>;
  /**
   * Sets the consumer's delivered marks of these partitions (one write for
   * all: the marks live in one small item per consumer, not in the partition items).
   */
  markDelivered(key: GroupKey, consumer: string, marks: readonly DeliveryMark[]): Promise<void>;
  /** The consumer's delivered marks (strongly consistent unless `consistent` is false). */
  deliveryMarks(key: GroupKey, consumer: string, options?: ReadOptions): Promise<Map<number, DeliveryMark>>;
  /** Counts a lease-expiry failure of the record at `expected.committed` (conditional on the state read). */
  recordExpiry(key: GroupKey, expected: GroupPartition, consumer: string, attempts: number, lastError: string): Promise<boolean>;
  /** Applies an offset reset if the member view is unchanged; false otherwise. */
  resetOffsets(key: GroupKey, change: OffsetResetChange): Promise<boolean>;
  /** Names of the groups that have polled this topic incarnation, in name order. */
  groupsReading(topic: string, topicId: string): Promise<string[]>;
}

/** A dead letter as the store keeps it: the record as a one-record batch blob, inline or in S3. */
export type StoredDeadLetter = Omit<DeadLetter, 'record'> & {
  readonly topic: string;
  readonly topicId: string;
  readonly blob?: Uint8Array;
  readonly blobKey?: string;
};

export interface DeadLetterPage {
  readonly deadLetters: StoredDeadLetter[];
  readonly cursor: string | undefined;
}

export interface DeadLetterStore {
  /** Dead letters of this topic incarnation (`topicId`), optionally of one group, a page at a time. */
  list(topic: string, topicId: string, group: string | undefined, limit: number, cursor: string | undefined): Promise<DeadLetterPage>;
  /** The group's dead letters with these ids (all of the group's when `ids` is undefined), oldest first. */
  select(topic: string, topicId: string, group: string, ids: readonly string[] | undefined, limit: number): Promise<StoredDeadLetter[]>;
  /** Deletes one dead letter; returns it, or undefined when there was none. */
  delete(topic: string, group: string, id: string): Promise<StoredDeadLetter | undefined>;
  /** The part of an atomic append that removes a dead letter (fails if it is already gone). */
  removalPart(topic: string, group: string, id: string): AtomicPart;
}
