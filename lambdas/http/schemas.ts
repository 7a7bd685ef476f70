/**
 * Validation of bodies, path and query parameters (zod). Every failure
 * becomes a 400 INVALID_REQUEST whose message names the field, e.g.
 * `records[3].partition: expected an integer from 0`. Size limits are
 * checked before any parsing work (413 PAYLOAD_TOO_LARGE).
 */
import { z } from 'zod';
import { InvalidRequestError, PayloadTooLargeError } from '../core/errors';
import type { FetchPosition } from '../core/log/fetch';
import {
  DEFAULT_FETCH_LIMIT,
  MAX_FETCH_LIMIT,
  MAX_PARTITIONS,
  MAX_RECORDS_PER_PRODUCE,
  MAX_WAIT_MS,
  MIN_PARTITIONS,
  TOPIC_NAME_PATTERN,
} from '../core/limits';
import type { ProduceRecord } from '../core/log/produce';

/** The `Idempotency-Key` header of a produce: 1 to 255 printable ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const safeInt = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .number({ error: 'expected a number' })
    .int({ error: 'expected an integer' })
    .min(min, { error: `expected an integer from ${min}` })
    .max(max, { error: `expected an integer up to ${max}` });

export const topicName = z
  .string({ error: 'expected a string' })
  .regex(TOPIC_NAME_PATTERN, { error: 'must match ^[a-zA-Z0-9._-]{1,249}$' })
  // Kafka refuses these too; no URL could name them (clients resolve them as path segments).
  .refine((name) => name !== '.' && name !== '..', { error: "cannot be '.' or '..'" });

const retention = safeInt(-1).refine((v) => v === -1 || v > 0, { error: 'expected -1 (unlimited) or a positive integer' });

/** A JSON object of string values; keeps every own key (also `__proto__`) as plain data. */
export const stringMap = z
  .custom<Record<string, string>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), {
    error: 'expected an object of string values',
  })
  .superRefine((value, ctx) => {
    for (const [name, v] of Object.entries(value)) {
      if (typeof v !== 'string') ctx.addIssue({ code: 'custom', message: 'expected a string value', path: [name] });
    }
  })
  .transform((value) => Object.fromEntries(Object.entries(value)) as Record<string, string>);

export const produceRecord = z
  .strictObject({
    key: z.string({ error: 'expected a string' }).nullable().optional(),
    value: z.unknown().optional(),
    valueBase64: z.string({ error: 'expected a base64 string' }).regex(BASE64, { error: 'not valid base64' }).optional(),
    headers: stringMap.optional(),
    partition: safeInt(0).optional(),
    timestamp: safeInt(0).optional(),
  })
  .superRefine((record, ctx) => {
    const hasValue = record.value !== undefined;
    const hasBinary = record.valueBase64 !== undefined;
    if (hasValue === hasBinary) {
      ctx.addIssue({ code: 'custom', message: 'exactly one of value and valueBase64 is required', path: ['value'] });
    }
  });

export const produceBody = z.strictObject({
  records: z.array(produceRecord, { error: 'expected an array of records' }).min(1, { error: 'at least one record is required' }),
});

const topicConfigFields = {
  retentionMs: retention.optional(),
  retentionBytes: retention.optional(),
  archiveAfterMs: safeInt(0).optional(),
  maxDeliveryAttempts: safeInt(1, 1000).optional(),
};

export const createTopicBody = z.strictObject({
  name: topicName,
  partitions: safeInt(MIN_PARTITIONS, MAX_PARTITIONS),
  ...topicConfigFields,
});

export const updateTopicBody = z
  .strictObject({ partitions: safeInt(MIN_PARTITIONS, MAX_PARTITIONS).optional(), ...topicConfigFields })
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), {
    error: 'at least one of partitions, retentionMs, retentionBytes, archiveAfterMs, maxDeliveryAttempts is required',
  });

/** `records[3].partition` from a zod path. */
function fieldName(path: ReadonlyArray<PropertyKey>, prefix: string): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || 'body';
}

/** The value at a zod issue's path in the input (undefined when absent). */
function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let at: unknown = input;
  for (const part of path) {
    if (at === null || typeof at !== 'object' || !Object.prototype.hasOwnProperty.call(at, part)) return undefined;
    at = (at as Record<PropertyKey, unknown>)[part];
  }
  return at;
}

export function parse<T>(schema: z.ZodType<T, unknown>, input: unknown, prefix = ''): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new InvalidRequestError('invalid request');
  if (issue.code === 'unrecognized_keys') {
    throw new InvalidRequestError(`unknown field '${issue.keys[0]}'`, fieldName([...issue.path, issue.keys[0] as string], prefix));
  }
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
    throw new InvalidRequestError('is required', fieldName(issue.path, prefix));
  }
  throw new InvalidRequestError(issue.message, fieldName(issue.path, prefix));
}

/** Parses a JSON body; undefined/empty bodies and malformed JSON are 400s. */
export function parseJsonBody(body: string | null | undefined): unknown {
  if (body === null || body === undefined || body.trim() === '') throw new InvalidRequestError('a JSON body is required', 'body');
  try {
    return JSON.parse(body);
  } catch {
    throw new InvalidRequestError('is not valid JSON', 'body');
  }
}

export function parseTopicName(value: string | undefined): string {
  return parse(topicName, value, 'topic');
}

export function parseCreateTopic(body: unknown) {
  return parse(createTopicBody, body);
}

export function parseUpdateTopic(body: unknown) {
  return parse(updateTopicBody, body);
}

export function parseProduce(body: unknown): ProduceRecord[] {
  if (typeof body === 'object' && body !== null && Array.isArray((body as { records?: unknown }).records)) {
    const count = (body as { records: unknown[] }).records.length;
    if (count > MAX_RECORDS_PER_PRODUCE) {
      throw new PayloadTooLargeError(`A produce request holds at most ${MAX_RECORDS_PER_PRODUCE} records; got ${count}.`);
    }
  }
  const { records } = parse(produceBody, body);
  return records.map((r, i) => ({
    key: r.key ?? undefined,
    value: r.valueBase64 !== undefined ? { binary: Buffer.from(r.valueBase64, 'base64') } : { json: jsonText(r.value, i) },
    headers: r.headers,
    partition: r.partition,
    timestamp: r.timestamp,
  }));
}

/** JSON values nest at most this deep (deeper ones cannot be serialized back safely). */
export const MAX_VALUE_DEPTH = 512;

function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    max = Math.max(max, depth);
    if (max > MAX_VALUE_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return max;
}

function jsonText(value: unknown, index: number): string {
  if (depthOf(value) > MAX_VALUE_DEPTH) {
    throw new InvalidRequestError(`nests deeper than ${MAX_VALUE_DEPTH} levels`, `records[${index}].value`);
  }
  return JSON.stringify(value);
}

const DIGITS = /^\d{1,16}$/;

function integerParam(name: string, raw: string, min: number, max: number): number {
  const value = DIGITS.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidRequestError(`expected an integer from ${min} to ${max}, got '${raw.slice(0, 40)}'`, name);
  }
  return value;
}

export function parsePartition(raw: string | undefined): number {
  return integerParam('partition', raw ?? '', 0, MAX_PARTITIONS - 1);
}

export type Query = Record<string, string | undefined> | null | undefined;

export interface FetchParams {
  position: FetchPosition;
  limit: number;
  waitMs: number;
}

/** The query parameters, refusing any not in `allowed` (400 naming it). */
export function parseQuery(query: Query, allowed: readonly string[]): Record<string, string | undefined> {
  const q = query ?? {};
  for (const name of Object.keys(q)) {
    if (!allowed.includes(name)) throw new InvalidRequestError(`unknown query parameter '${name.slice(0, 40)}'`, name.slice(0, 40));
  }
  return q;
}

/** The query parameters of a fetch (the OpenAPI description lists the same). */
export const FETCH_QUERY = ['offset', 'fromTimestamp', 'limit', 'waitMs'] as const;

export function parseFetchQuery(query: Query): FetchParams {
  const q = parseQuery(query, FETCH_QUERY);
  const { offset, fromTimestamp } = q;
  if ((offset === undefined) === (fromTimestamp === undefined)) {
    throw new InvalidRequestError('give exactly one of offset (a number, earliest or latest) and fromTimestamp', 'offset');
  }
  let position: FetchPosition;
  if (fromTimestamp !== undefined) {
    position = { kind: 'timestamp', timestamp: integerParam('fromTimestamp', fromTimestamp, 0, Number.MAX_SAFE_INTEGER) };
  } else if (offset === 'earliest' || offset === 'latest') {
    position = { kind: offset };
  } else {
    position = { kind: 'offset', offset: integerParam('offset', offset ?? '', 0, Number.MAX_SAFE_INTEGER) };
  }
  return {
    position,
    limit: q.limit === undefined ? DEFAULT_FETCH_LIMIT : integerParam('limit', q.limit, 1, MAX_FETCH_LIMIT),
    waitMs: q.waitMs === undefined ? 0 : integerParam('waitMs', q.waitMs, 0, MAX_WAIT_MS),
  };
}
