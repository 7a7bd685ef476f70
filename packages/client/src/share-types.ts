/** The shapes of the share-group requests and responses (API.md, "Share groups" and "Filters"). */
import type { TributaryRecord } from './types';

/** A routing filter: RabbitMQ topic patterns on the key, and/or header matches. */
export interface RecordFilter {
  /** The key, split on `.`, matches any pattern; `*` = one word, `#` = zero or more. */
  keys?: string[];
  headers?: { match?: 'all' | 'any'; values: Record<string, string | null> };
}

/** A record acquired under a lock by a share-group receive. */
export interface AcquiredRecord extends TributaryRecord {
  /** Acquisitions so far, this one included (lock expiries count). */
  deliveryAttempt: number;
  lockToken: string;
  lockExpiresAt: number;
}

export type AckType = 'accept' | 'release' | 'reject' | 'renew';
export type AckStatus = 'accepted' | 'released' | 'dead-lettered' | 'renewed' | 'lock-lost';

export interface ShareAck {
  partition: number;
  offset: number;
  lockToken: string;
  type: AckType;
  /** reject (and a release at the limit): the error recorded with the dead letter. */
  error?: string;
  /** release: 0 to 900000 ms before the record is offered again. */
  delayMs?: number;
  /** renew: the lock lasts this long from now (1000 to 43200000 ms). */
  lockMs?: number;
}

export interface ShareAckResult {
  partition: number;
  offset: number;
  status: AckStatus;
}

export interface ShareReceiveRequest {
  maxRecords?: number;
  waitMs?: number;
  signal?: AbortSignal;
}

export interface SharePartitionDescription {
  partition: number;
  startOffset: number | null;
  endOffset: number;
  acquired: number;
  available: number | null;
  deadLettered: number;
}

export interface ShareGroupDescription {
  group: string;
  topic: string;
  partitions: SharePartitionDescription[];
}

/** Where a reset moves a group: as `kafka-consumer-groups --reset-offsets`. */
export type ResetTo = 'earliest' | 'latest' | { offset: number } | { timestamp: number } | { shiftBy: number };

export interface ResetResult {
  group: string;
  topic: string;
  offsets: Array<{ partition: number; committedOffset: number }>;
}
