/** Validation of consumer-group and dead-letter requests (see schemas.ts for the conventions). */
import { z } from 'zod';
import { DEAD_LETTER_ID_PATTERN } from '../core/dead-letters';
import { InvalidRequestError } from '../core/errors';
import { MAX_FETCH_LIMIT, MAX_PARTITIONS, MAX_WAIT_MS, TOPIC_NAME_PATTERN } from '../core/limits';
import { parse, parseQuery, safeInt, topicName, type Query } from './schemas';

/** Group names follow the topic-name rule; consumer ids are printable, without spaces. */
const GROUP_PATTERN = TOPIC_NAME_PATTERN;
const CONSUMER_PATTERN = /^[a-zA-Z0-9._:@-]{1,200}$/;

export const DEFAULT_SESSION_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RECORDS = 100;

export const consumerId = z
  .string({ error: 'expected a string' })
  .regex(CONSUMER_PATTERN, { error: 'must be 1 to 200 characters of [a-zA-Z0-9._:@-]' });

export const pollBody = z.strictObject({
  topic: topicName,
  consumerId,
  maxRecords: safeInt(1, MAX_FETCH_LIMIT).default(DEFAULT_MAX_RECORDS),
  waitMs: safeInt(0, MAX_WAIT_MS).default(0),
  sessionTimeoutMs: safeInt(1000, 300_000).default(DEFAULT_SESSION_TIMEOUT_MS),
  autoOffsetReset: z.enum(['earliest', 'latest'], { error: "expected 'earliest' or 'latest'" }).default('earliest'),
});

export const commitBody = z.strictObject({
  topic: topicName,
  consumerId,
  offsets: z
    .array(z.strictObject({ partition: safeInt(0, MAX_PARTITIONS - 1), offset: safeInt(0) }), { error: 'expected an array' })
    .min(1, { error: 'at least one offset is required' })
    .max(MAX_PARTITIONS, { error: `at most ${MAX_PARTITIONS} offsets` }),
});

export const nackBody = z.strictObject({
  topic: topicName,
  consumerId,
  partition: safeInt(0, MAX_PARTITIONS - 1),
  offset: safeInt(0),
  error: z.string({ error: 'expected a string' }).max(4096, { error: 'at most 4096 characters' }).optional(),
});

const TARGET_MESSAGE = "expected 'earliest', 'latest', {\"offset\": N}, {\"timestamp\": T} or {\"shiftBy\": n}";
const targetObjects = {
  offset: z.strictObject({ offset: safeInt(0).describe('Clamped to [startOffset, endOffset].') }),
  timestamp: z.strictObject({ timestamp: safeInt(0).describe('Epoch ms: the first record with timestamp ≥ T, else the end offset.') }),
  shiftBy: z.strictObject({
    shiftBy: safeInt(-Number.MAX_SAFE_INTEGER).describe('Added to the current committed offset; clamped to [startOffset, endOffset].'),
  }),
};

/** Where an offset reset moves the committed offsets. */
export const resetTarget = z.union(
  [z.enum(['earliest', 'latest']), targetObjects.offset, targetObjects.timestamp, targetObjects.shiftBy],
  { error: TARGET_MESSAGE },
);

/** The partitions an offset reset moves (default: all); consumer groups and share groups alike. */
export const resetPartitions = z
  .array(safeInt(0, MAX_PARTITIONS - 1), { error: 'expected an array' })
  .min(1, { error: 'at least one partition, or no partitions field for all' })
  .max(MAX_PARTITIONS, { error: `at most ${MAX_PARTITIONS} partitions` })
  .optional();

export const resetBody = z.strictObject({
  topic: topicName,
  to: resetTarget,
  partitions: resetPartitions,
  force: z.boolean({ error: 'expected a boolean' }).default(false),
  dryRun: z
    .boolean({ error: 'expected a boolean' })
    .default(false)
    .describe('Tributary extension: answer the plan (with previousOffset) and write nothing, as --dry-run does.'),
});

export const redriveBody = z.strictObject({
  group: z.string({ error: 'expected a string' }).regex(GROUP_PATTERN, { error: 'must match ^[a-zA-Z0-9._-]{1,249}$' }),
  ids: z
    .array(z.string({ error: 'expected a string' }).regex(DEAD_LETTER_ID_PATTERN, { error: 'not a dead-letter id' }), {
      error: 'expected an array',
    })
    .min(1, { error: 'at least one id, or no ids field for all' })
    .max(1000, { error: 'at most 1000 ids' })
    .optional(),
  targetTopic: topicName.optional(),
});

export function parseGroupName(value: string | undefined, field = 'group'): string {
  if (value === undefined || !GROUP_PATTERN.test(value)) {
    throw new InvalidRequestError('must match ^[a-zA-Z0-9._-]{1,249}$', field);
  }
  return value;
}

export function parseConsumerId(value: string | undefined): string {
  return parse(consumerId, value, 'consumerId');
}

export const parsePoll = (body: unknown) => parse(pollBody, body);
export const parseCommit = (body: unknown) => parse(commitBody, body);
export const parseNack = (body: unknown) => parse(nackBody, body);
export const parseRedrive = (body: unknown) => parse(redriveBody, body);

/** An offset reset body; an object `to` is checked on its own first so that the error names `to.offset` etc. */
export function parseReset(body: unknown) {
  const to = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).to : undefined;
  if (to !== null && typeof to === 'object' && !Array.isArray(to)) {
    const keys = Object.keys(to);
    const kind = keys.find((k): k is keyof typeof targetObjects => Object.prototype.hasOwnProperty.call(targetObjects, k));
    if (!kind || keys.length !== 1) throw new InvalidRequestError(TARGET_MESSAGE, 'to');
    parse(targetObjects[kind] as z.ZodType<unknown, unknown>, to, 'to');
  }
  return parse(resetBody, body);
}

/** The query parameters of group describe and consumer leave, of a dead-letter list and of a dead-letter delete. */
export const TOPIC_QUERY = ['topic'] as const;
export const DEAD_LETTER_LIST_QUERY = ['group', 'limit', 'cursor'] as const;
export const GROUP_QUERY = ['group'] as const;

/** `?topic=T` (required) for group describe and consumer leave. */
export function parseTopicQuery(query: Query): string {
  const { topic } = parseQuery(query, TOPIC_QUERY);
  if (topic === undefined) throw new InvalidRequestError('is required', 'topic');
  return parse(topicName, topic, 'topic');
}

export interface DeadLetterListQuery {
  group: string | undefined;
  limit: number;
  cursor: string | undefined;
}

export function parseDeadLetterList(query: Query): DeadLetterListQuery {
  const q = parseQuery(query, DEAD_LETTER_LIST_QUERY);
  return {
    group: q.group === undefined ? undefined : parseGroupName(q.group),
    limit: q.limit === undefined ? 100 : parse(safeInt(1, MAX_FETCH_LIMIT), /^\d{1,5}$/.test(q.limit) ? Number(q.limit) : NaN, 'limit'),
    cursor: q.cursor === undefined ? undefined : parse(z.string().regex(/^[A-Za-z0-9_-]{1,2000}$/, { error: 'not a cursor from this API' }), q.cursor, 'cursor'),
  };
}

/** `?group=G` (required) for deleting one dead letter. */
export function parseGroupQuery(query: Query): string {
  const { group } = parseQuery(query, GROUP_QUERY);
  if (group === undefined) throw new InvalidRequestError('is required', 'group');
  return parseGroupName(group);
}
