/**
 * Translation between Upstash Kafka messages and Tributary records.
 *
 * Upstash values are strings. One is stored as a JSON string value
 * (`{"json": "\"<value>\""}`), so /v1 readers see `"value": "<the string>"`
 * and the facade gives back the identical string. Records produced through
 * /v1 read back as Upstash strings too: a JSON string as itself, any other
 * JSON value as its JSON text, binary values decoded as UTF-8. A missing key
 * reads as `""`; headers go from `[{key, value}]` to a map and back.
 */
import { MAX_FETCH_RESPONSE_BYTES } from '../core/limits';
import type { ProduceRecord } from '../core/log/produce';
import { wireSize, type PositionedRecord } from '../core/types';
import type { UpstashProduceRequest } from './schemas';

export interface UpstashHeader {
  key: string;
  value: string;
}

/** A message as the Upstash API returns it from fetch and consume. */
export interface UpstashMessage {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string;
  value: string;
  headers: UpstashHeader[];
}

/** What produce answers per message. */
export interface UpstashProduceResult {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
}

/** The Tributary record of an Upstash message; `now` stamps messages without a timestamp (the response reports it). */
export function toProduceRecord(message: UpstashProduceRequest, now: number): ProduceRecord & { timestamp: number } {
  return {
    key: message.key ?? undefined,
    value: { json: JSON.stringify(message.value) },
    headers: Object.fromEntries((message.headers ?? []).map((h) => [h.key, h.value])),
    partition: message.partition,
    timestamp: message.timestamp ?? now,
  };
}

/** A record's value as an Upstash string. */
export function valueString(record: PositionedRecord): string {
  if ('binary' in record.value) return Buffer.from(record.value.binary).toString('utf8');
  const value: unknown = JSON.parse(record.value.json);
  return typeof value === 'string' ? value : record.value.json;
}

export function toMessage(topic: string, record: PositionedRecord): UpstashMessage {
  return {
    topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key ?? '',
    value: valueString(record),
    headers: Object.entries(record.headers).map(([key, value]) => ({ key, value })),
  };
}

/**
 * The longest prefix of `records` that fits one Lambda response (the same
 * budget as /v1 fetch and poll; at least one record). A prefix keeps each
 * partition's records contiguous, so a consumer's position can stop at the
 * last one returned.
 */
export function withinResponseBudget<T extends { topic: string; record: PositionedRecord }>(records: readonly T[]): T[] {
  let budget = MAX_FETCH_RESPONSE_BYTES;
  const out: T[] = [];
  for (const entry of records) {
    // The topic name is repeated in every Upstash message.
    const size = wireSize(entry.record) + Buffer.byteLength(entry.topic) + 20;
    if (out.length > 0 && size > budget) break;
    budget -= size;
    out.push(entry);
  }
  return out;
}
