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
  /** Record bytes in S3 segments (exact). */
  readonly archivedBytes: number;
  /** Record bytes in DynamoDB as the archiver last measured them; null before its first run. */
  readonly hotBytes: number | null;
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

/** Bytes of `text` once embedded in a JSON body that itself travels as an escaped JSON string. */
function escapedSize(text: string): number {
  let extra = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A quote or backslash is escaped once in the body and once more in the Lambda result.
    if (c === 0x22 || c === 0x5c) extra += 3;
    else if (c < 0x20) extra += 11;
  }
  return Buffer.byteLength(text, 'utf8') + extra;
}

/**
 * An upper estimate of the bytes a record takes in a Lambda proxy response
 * (JSON body inside a JSON string), used to keep fetch and poll responses
 * under Lambda's 6 MB limit whatever the records contain.
 */
export function wireSize(record: LogRecord): number {
  let size = 200; // field names, offsets, timestamp and punctuation
  if (record.key !== undefined) size += escapedSize(record.key);
  size += 'json' in record.value ? escapedSize(record.value.json) : Math.ceil(record.value.binary.byteLength / 3) * 4;
  for (const [name, value] of Object.entries(record.headers)) size += escapedSize(name) + escapedSize(value) + 12;
  return size;
}
