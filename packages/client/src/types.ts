/**
 * The shapes of API v1 requests and responses (see the HTTP contract,
 * API.md), as the client SDK hands them to and from its callers.
 */

/** A permission a token can carry on a topic pattern. */
export type Action = 'produce' | 'consume' | 'admin';

/** A record to produce. Exactly one of `value` and `valueBase64`. */
export interface ProducerRecord {
  /** Records with the same key land on the same partition (Kafka's murmur2 partitioner). */
  key?: string | null;
  /** Any JSON value; a `Uint8Array` (e.g. a Buffer) is sent as binary (`valueBase64`). */
  value?: unknown;
  /** A binary value, already base64-encoded. */
  valueBase64?: string;
  headers?: Record<string, string>;
  /** An explicit partition (0 to partitions − 1) instead of the partitioner's choice. */
  partition?: number;
  /** Epoch milliseconds; the server's time when absent. */
  timestamp?: number;
}

/** Where a produced record was stored. */
export interface RecordPosition {
  partition: number;
  offset: number;
}

/** A record read back: `value` for JSON values, `valueBase64` for binary ones. */
export interface TributaryRecord {
  partition: number;
  offset: number;
  key: string | null;
  value?: unknown;
  valueBase64?: string;
  headers: Record<string, string>;
  timestamp: number;
}

/** A record handed out by a group poll. */
export interface DeliveredRecord extends TributaryRecord {
  /** 1 on first delivery; one more per nack. */
  deliveryAttempt: number;
}

/** Where a fetch starts: an offset, `earliest`, `latest`, or the first record at or after a time. */
export type FetchStart = { offset: number | 'earliest' | 'latest' } | { fromTimestamp: number };

export type FetchRequest = FetchStart & {
  topic: string;
  partition: number;
  /** 1 to 1000 (server default 100). */
  limit?: number;
  /** Long poll: 0 to 20000 ms. */
  waitMs?: number;
  signal?: AbortSignal;
};

export interface FetchResult {
  records: TributaryRecord[];
  /** The offset to fetch next. */
  nextOffset: number;
  /** The offset the next record appended will get. */
  endOffset: number;
}

export interface TopicSummary {
  name: string;
  partitions: number;
}

export interface PartitionDescription {
  partition: number;
  startOffset: number;
  archivedOffset: number;
  endOffset: number;
  archivedBytes?: number;
  hotBytes?: number | null;
}

export interface TopicConfig {
  retentionMs: number;
  retentionBytes: number;
  archiveAfterMs: number;
  maxDeliveryAttempts: number;
}

export interface TopicDescription {
  name: string;
  topicId?: string;
  createdAt?: number;
  partitions: PartitionDescription[];
  config: TopicConfig;
}

export interface CreateTopicRequest extends Partial<TopicConfig> {
  name: string;
  partitions: number;
}

export type UpdateTopicRequest = Partial<TopicConfig> & { partitions?: number };

export interface GroupPartition {
  partition: number;
  /** The next offset the group reads (Kafka's convention). */
  committedOffset: number;
  endOffset: number;
  lag: number;
  /** The live lease holder, or null. */
  consumerId: string | null;
  leaseExpiresAt: number | null;
}

export interface GroupDescription {
  group: string;
  topic: string;
  partitions: GroupPartition[];
}

/** One reader of a topic: a consumer group, share group or push subscription (`GET /v1/topics/{topic}/groups`). */
export interface TopicReader {
  group: string;
  type: 'consumer' | 'share' | 'subscription';
  /** Records still to process (a share group's `available`). */
  lag: number;
  /** Live members (0 for a subscription). */
  members: number;
}

/** The calling token (`GET /v1/whoami`), never its secret. */
export interface WhoAmI {
  id: string;
  name: string;
  permissions: Permission[];
}

export interface PollRequest {
  maxRecords?: number;
  waitMs?: number;
  signal?: AbortSignal;
}

export interface PollResult {
  records: DeliveredRecord[];
  assignment: Array<{ partition: number; leaseExpiresAt: number }>;
}

export interface CommittedOffset {
  partition: number;
  committedOffset: number;
}

export interface NackResult {
  action: 'retry' | 'dead-lettered';
  deliveryAttempt: number;
}

export interface DeadLetter extends TributaryRecord {
  id: string;
  group: string;
  deliveryAttempts: number;
  lastError: string | null;
  deadLetteredAt: number;
}

export interface DeadLetterPage {
  deadLetters: DeadLetter[];
  /** Pass back to get the next page; null on the last one. */
  cursor: string | null;
}

/** Where an offset reset moves a group's committed offsets. */
export type OffsetResetTarget = 'earliest' | 'latest' | { offset: number } | { timestamp: number } | { shiftBy: number };

export interface OffsetResetRequest {
  topic: string;
  to: OffsetResetTarget;
  /** Only these partitions (default: all). */
  partitions?: number[];
  /** Revoke live consumers' leases instead of failing with GROUP_ACTIVE. */
  force?: boolean;
  /** Answer the plan without writing anything. */
  dryRun?: boolean;
}

export interface OffsetResetResult {
  group: string;
  topic: string;
  offsets: Array<{ partition: number; committedOffset: number; previousOffset: number | null }>;
  /** True on a dry run (nothing was written). */
  dryRun?: boolean;
}

export interface RedriveRequest {
  group: string;
  /** Only these dead letters (default: all of the group's). */
  ids?: string[];
  /** Append them here (default: the source topic). */
  targetTopic?: string;
}

export interface Permission {
  /** An exact topic name, a prefix ending in `*`, or `*`. */
  topics: string;
  actions: Action[];
}

export interface TokenInfo {
  id: string;
  name: string;
  permissions: Permission[];
  createdAt: number;
}

export interface CreatedToken extends TokenInfo {
  /** The secret: shown only in this response. */
  token: string;
}
