/** Domain types shared by the engine's modules. No HTTP, no SDK types here. */

/** A record's value: JSON text (from `value`) or raw bytes (from `valueBase64`). */
export type Payload = { readonly json: string } | { readonly binary: Uint8Array };

/** A record as the engine stores it. */
export interface LogRecord {
  readonly key?: string | undefined;
  readonly value: Payload;
  readonly headers: Readonly<Record<string, string>>;
  /** Epoch milliseconds. */
  readonly timestamp: number;
}

/** A record read back from a partition, with its position. */
export interface PositionedRecord extends LogRecord {
  readonly partition: number;
  readonly offset: number;
}

export interface TopicConfig {
  readonly retentionMs: number;
  readonly retentionBytes: number;
  readonly archiveAfterMs: number;
  readonly maxDeliveryAttempts: number;
}

/** A topic's identity and configuration, as kept in the topics table. */
export interface Topic {
  readonly name: string;
  /**
   * Identifies this incarnation of the name (Kafka's topic ID, KIP-516): a
   * topic deleted and created again gets a new id, so stale caches and
   * leftovers of the old one can never mix with the new log.
   */
  readonly topicId: string;
  readonly partitions: number;
  readonly config: TopicConfig;
  readonly createdAt: number;
}

/** Offsets of one partition: [startOffset, endOffset) readable, below archivedOffset in S3. */
export interface PartitionOffsets {
  readonly partition: number;
  readonly startOffset: number;
  readonly archivedOffset: number;
  readonly endOffset: number;
}

/** Byte size of a record as the API limits it: key, value and headers together. */
export function recordSize(record: LogRecord): number {
  let size = record.key === undefined ? 0 : Buffer.byteLength(record.key, 'utf8');
  size += 'json' in record.value ? Buffer.byteLength(record.value.json, 'utf8') : record.value.binary.byteLength;
  for (const [name, value] of Object.entries(record.headers)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  }
  return size;
}
