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
}

export type PutBatchResult = { readonly written: true } | { readonly written: false; readonly occupant: BatchHeader };

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
export interface LogStore {
  /** Writes the batch at `item.offset` only if no batch starts there; else returns the occupant. */
  putBatch(stream: string, item: BatchItem): Promise<PutBatchResult>;
  /** The newest batch of the partition, if any. */
  newest(stream: string, options?: ReadOptions): Promise<BatchItem | undefined>;
  /** The newest batch whose base offset is ≤ `offset` (the one containing it, if any). */
  atOrBefore(stream: string, offset: number, options?: ReadOptions): Promise<BatchItem | undefined>;
  /** Batches with base offset ≥ `offset`, ascending, at most `limit` items. */
  forward(stream: string, offset: number, limit: number, options?: ReadOptions): Promise<ForwardPage>;
  /** Deletes every batch of the stream; returns the S3 keys the deleted batches pointed to. */
  purge(stream: string): Promise<string[]>;
}

/** Object storage for batches too large to keep inline. */
export interface BlobStore {
  put(key: string, body: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array>;
  delete(keys: readonly string[]): Promise<void>;
}

/** Per-partition state kept beside the topic: raised by retention and the archiver. */
export interface PartitionState {
  readonly partition: number;
  readonly startOffset: number;
  readonly archivedOffset: number;
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
  partitionState(topic: Topic, partition: number): Promise<PartitionState>;
}
