/**
 * Validation of the Upstash Kafka REST API's requests (zod), on the
 * project's conventions: every failure is a 400 INVALID_REQUEST whose message
 * names the field (`[2].headers[0].key: expected a string`), sizes are checked
 * before parsing (413). Shapes follow what `@upstash/kafka` 1.3.5 sends.
 */
import { z } from 'zod';
import { InvalidRequestError, PayloadTooLargeError } from '../core/errors';
import { MAX_PARTITIONS, MAX_PRODUCE_REQUEST_BYTES, MAX_RECORDS_PER_PRODUCE, MAX_WAIT_MS } from '../core/limits';
import { parseGroupName, parseTopicQuery, TOPIC_QUERY } from '../http/group-schemas';
import { parse, parseJsonBody, safeInt, topicName } from '../http/schemas';

/** Upstash's default wait of fetch and consume, in ms. */
export const DEFAULT_TIMEOUT_MS = 1000;
/** Upstash's default auto-commit interval, in ms. */
export const DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5000;

const header = z.strictObject({
  key: z.string({ error: 'expected a string' }).min(1, { error: 'must not be empty' }),
  value: z.string({ error: 'expected a string' }),
});

/** One message of a produce request. */
export const produceRequest = z.strictObject({
  topic: topicName,
  // The SDK sends strings (it JSON.stringifies anything else itself).
  value: z.string({ error: 'expected a string (the message)' }),
  partition: safeInt(0, MAX_PARTITIONS - 1).optional(),
  timestamp: safeInt(0).optional(),
  key: z.string({ error: 'expected a string' }).nullable().optional(),
  headers: z
    .array(header, { error: 'expected an array of {key, value}' })
    .max(1000, { error: 'at most 1000 headers' })
    .superRefine((headers, ctx) => {
      // Tributary keeps headers as a map: a repeated key would silently lose a value.
      const seen = new Set<string>();
      headers.forEach((h, i) => {
        if (seen.has(h.key)) ctx.addIssue({ code: 'custom', message: `repeats header '${h.key.slice(0, 40)}'`, path: [i, 'key'] });
        seen.add(h.key);
      });
    })
    .optional(),
});

export type UpstashProduceRequest = z.infer<typeof produceRequest>;

const timeout = safeInt(0).optional();
const partition = safeInt(0, MAX_PARTITIONS - 1);
const offset = safeInt(0);

export const topicPartition = z.strictObject({ topic: topicName, partition });
export const topicPartitionOffset = z.strictObject({ topic: topicName, partition, offset });

/** Entries of a commit, committed or offsets request. */
const MAX_ENTRIES = 10_000;

/**
 * The bodies that are one object or an array of them, as single schemas (the
 * OpenAPI description is generated from these). The parsers below check the
 * same item by item, so a field is named like `[2].partition`;
 * test/unit/openapi.unit.test.ts checks that both accept the same bodies.
 */
export const upstashProduceBody = z.union([produceRequest, z.array(produceRequest).min(1).max(MAX_RECORDS_PER_PRODUCE)]);
export const upstashCommitBody = z.union([topicPartitionOffset, z.array(topicPartitionOffset).max(MAX_ENTRIES)]);
export const topicPartitionsBody = z.union([topicPartition, z.array(topicPartition).max(MAX_ENTRIES)]);

export const fetchBody = z
  .strictObject({
    topic: topicName.optional(),
    partition: partition.optional(),
    offset: offset.optional(),
    topicPartitionOffsets: z.array(topicPartitionOffset, { error: 'expected an array' }).max(1000, { error: 'at most 1000 entries' }).optional(),
    timeout,
  })
  .superRefine((body, ctx) => {
    const given = [body.topic, body.partition, body.offset].filter((v) => v !== undefined).length;
    if (given !== 0 && given !== 3) {
      const missing = (['topic', 'partition', 'offset'] as const).find((f) => body[f] === undefined) ?? 'topic';
      ctx.addIssue({ code: 'custom', message: 'topic, partition and offset go together', path: [missing] });
    }
    if (given === 0 && (body.topicPartitionOffsets ?? []).length === 0) {
      ctx.addIssue({ code: 'custom', message: 'give topic, partition and offset, or topicPartitionOffsets', path: ['topic'] });
    }
  });

export const consumeBody = z
  .strictObject({
    topic: topicName.optional(),
    topics: z.array(topicName, { error: 'expected an array of topic names' }).min(1, { error: 'at least one topic' }).max(100, { error: 'at most 100 topics' }).optional(),
    timeout,
  })
  .superRefine((body, ctx) => {
    if ((body.topic === undefined) === (body.topics === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of topic and topics', path: ['topic'] });
    }
  });

/** An instance id follows the rule of /v1 consumer ids (an instance is a consumer of the group). */
export const instanceId = z
  .string({ error: 'expected a string' })
  .regex(/^[a-zA-Z0-9._:@-]{1,200}$/, { error: 'must be 1 to 200 characters of [a-zA-Z0-9._:@-]' });

/** One object or an array of them, each checked with `schema`; field names like `[2].partition`. */
function oneOrMany<T>(schema: z.ZodType<T, unknown>, json: unknown): T[] {
  if (!Array.isArray(json)) return [parse(schema, json)];
  if (json.length > MAX_ENTRIES) throw new InvalidRequestError(`at most ${MAX_ENTRIES} entries`, 'body');
  return json.map((item, i) => parse(schema, item, `[${i}]`));
}

/** A produce request: one message or an array of them (order kept). */
export function parseUpstashProduce(body: string | null): UpstashProduceRequest[] {
  const size = Buffer.byteLength(body ?? '', 'utf8');
  if (size > MAX_PRODUCE_REQUEST_BYTES) {
    throw new PayloadTooLargeError(`A produce request is at most ${MAX_PRODUCE_REQUEST_BYTES} bytes; got ${size}.`);
  }
  const json = parseJsonBody(body);
  const list = Array.isArray(json) ? json : [json];
  if (list.length === 0) throw new InvalidRequestError('at least one message is required', 'body');
  if (list.length > MAX_RECORDS_PER_PRODUCE) {
    throw new PayloadTooLargeError(`A produce request holds at most ${MAX_RECORDS_PER_PRODUCE} messages; got ${list.length}.`);
  }
  // Field names as the SDK user sees them: `topic` for one message, `[3].topic` in an array.
  return list.map((item, i) => parse(produceRequest, item, Array.isArray(json) ? `[${i}]` : ''));
}

/** The webhook's query: `?topic=T` (required), the same as group describe's (the OpenAPI description lists it). */
export const WEBHOOK_QUERY = TOPIC_QUERY;
export const parseWebhookQuery = parseTopicQuery;

export interface UpstashFetchRequest {
  partitions: Array<{ topic: string; partition: number; offset: number }>;
  waitMs: number;
}

/** `{topic, partition, offset}`, `{topicPartitionOffsets: […]}`, or both, with an optional `timeout`. */
export function parseUpstashFetch(body: string | null): UpstashFetchRequest {
  const parsed = parse(fetchBody, parseJsonBody(body));
  const partitions = [...(parsed.topicPartitionOffsets ?? [])];
  if (parsed.topic !== undefined && parsed.partition !== undefined && parsed.offset !== undefined) {
    partitions.push({ topic: parsed.topic, partition: parsed.partition, offset: parsed.offset });
  }
  return { partitions, waitMs: waitOf(parsed.timeout) };
}

/** Upstash allowed longer waits; this API's long polls end at MAX_WAIT_MS (20 s). */
function waitOf(timeoutMs: number | undefined): number {
  return Math.min(timeoutMs ?? DEFAULT_TIMEOUT_MS, MAX_WAIT_MS);
}

export interface ConsumerPath {
  group: string;
  instance: string;
}

/** `{group}/{instance}`: a group name as in /v1, an instance id as a /v1 consumer id. */
export function parseConsumerPath(params: Readonly<Record<string, string | undefined>>): ConsumerPath {
  return { group: parseGroupName(params.group), instance: parse(instanceId, params.instance, 'instance') };
}

export interface UpstashConsumeRequest {
  topics: string[];
  waitMs: number;
  autoCommit: boolean;
  autoCommitIntervalMs: number;
  autoOffsetReset: 'earliest' | 'latest' | 'none';
}

/** The consume body (`{topic}` or `{topics}`, `timeout`) and its `Kafka-*` headers (lower-cased names). */
export function parseUpstashConsume(body: string | null, headers: Readonly<Record<string, string | undefined>>): UpstashConsumeRequest {
  const parsed = parse(consumeBody, parseJsonBody(body));
  const topics = parsed.topics ?? [parsed.topic as string];
  return {
    topics: [...new Set(topics)],
    waitMs: waitOf(parsed.timeout),
    autoCommit: booleanHeader(headers['kafka-enable-auto-commit'], 'Kafka-Enable-Auto-Commit', true),
    autoCommitIntervalMs: intervalHeader(headers['kafka-auto-commit-interval']),
    autoOffsetReset: resetHeader(headers['kafka-auto-offset-reset']),
  };
}

function booleanHeader(raw: string | undefined, name: string, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  const value = raw.trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidRequestError(`expected true or false, got '${raw.slice(0, 40)}'`, name);
}

function intervalHeader(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_AUTO_COMMIT_INTERVAL_MS;
  const value = /^\s*\d{1,10}\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new InvalidRequestError(`expected a number of milliseconds, got '${raw.slice(0, 40)}'`, 'Kafka-Auto-Commit-Interval');
  }
  return value;
}

function resetHeader(raw: string | undefined): 'earliest' | 'latest' | 'none' {
  // Upstash's default, unlike /v1 polls (earliest).
  if (raw === undefined) return 'latest';
  const value = raw.trim().toLowerCase();
  if (value === 'earliest' || value === 'latest' || value === 'none') return value;
  throw new InvalidRequestError(`expected earliest, latest or none, got '${raw.slice(0, 40)}'`, 'Kafka-Auto-Offset-Reset');
}

export type CommitOffsets = Array<{ topic: string; partition: number; offset: number }>;

/** No body (commit everything the instance consumed: undefined), one `{topic, partition, offset}` or an array. */
export function parseUpstashCommit(body: string | null): CommitOffsets | undefined {
  if (body === null || body.trim() === '') return undefined;
  return oneOrMany(topicPartitionOffset, parseJsonBody(body));
}

/** `[{topic, partition}]` (or one such object): committed offsets and partition offsets. */
export function parseTopicPartitions(body: string | null): Array<{ topic: string; partition: number }> {
  return oneOrMany(topicPartition, parseJsonBody(body));
}

export type OffsetPosition = { kind: 'earliest' } | { kind: 'latest' } | { kind: 'timestamp'; timestamp: number };

/** `/offsets/{timestampMs|earliest|latest}`. */
export function parseOffsetPosition(raw: string | undefined): OffsetPosition {
  if (raw === 'earliest' || raw === 'latest') return { kind: raw };
  const value = raw !== undefined && /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new InvalidRequestError(`expected a timestamp in ms, earliest or latest, got '${(raw ?? '').slice(0, 40)}'`, 'timestamp');
  }
  return { kind: 'timestamp', timestamp: value };
}
