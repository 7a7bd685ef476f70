/** Validation of share-group requests (API.md, "Share groups"; see schemas.ts for the conventions). */
import { z } from 'zod';
import { MAX_FETCH_LIMIT, MAX_PARTITIONS, MAX_WAIT_MS } from '../core/limits';
import { filterSchema } from './filter-schemas';
import { consumerId, resetPartitions, resetTarget } from './group-schemas';
import { parse, safeInt, topicName } from './schemas';

export const DEFAULT_SHARE_MAX_RECORDS = 10;
export const DEFAULT_LOCK_MS = 30_000;
export const MIN_LOCK_MS = 1000;
/** 12 hours, SQS's longest visibility timeout. */
export const MAX_LOCK_MS = 43_200_000;
/** 15 minutes, SQS's longest delay. */
export const MAX_RELEASE_DELAY_MS = 900_000;
export const MAX_ACKS = 1000;

const lockMs = safeInt(MIN_LOCK_MS, MAX_LOCK_MS);

export const receiveBody = z.strictObject({
  topic: topicName,
  consumerId: consumerId.optional(),
  maxRecords: safeInt(1, MAX_FETCH_LIMIT).default(DEFAULT_SHARE_MAX_RECORDS),
  waitMs: safeInt(0, MAX_WAIT_MS).default(0),
  lockMs: lockMs.default(DEFAULT_LOCK_MS),
  autoOffsetReset: z.enum(['earliest', 'latest'], { error: "expected 'earliest' or 'latest'" }).default('latest'),
  filter: filterSchema.optional(),
});

export const ackItem = z.strictObject({
  partition: safeInt(0, MAX_PARTITIONS - 1),
  offset: safeInt(0),
  lockToken: z.string({ error: 'expected a string' }).min(1, { error: 'must not be empty' }).max(200, { error: 'at most 200 characters' }),
  type: z.enum(['accept', 'release', 'reject', 'renew'], { error: "expected 'accept', 'release', 'reject' or 'renew'" }),
  error: z.string({ error: 'expected a string' }).max(4096, { error: 'at most 4096 characters' }).optional(),
  delayMs: safeInt(0, MAX_RELEASE_DELAY_MS).optional(),
  lockMs: lockMs.optional(),
});

export const ackBody = z.strictObject({
  topic: topicName,
  acks: z
    .array(ackItem, { error: 'expected an array' })
    .min(1, { error: 'at least one ack is required' })
    .max(MAX_ACKS, { error: `at most ${MAX_ACKS} acks` }),
});

/** As a consumer group's reset (the same targets and partitions, one schema for both). */
export const shareResetBody = z.strictObject({
  topic: topicName,
  to: resetTarget,
  partitions: resetPartitions,
  /** Accepted for symmetry with consumer groups; a share-group reset needs no force (locks are dropped). */
  force: z.boolean({ error: 'expected a boolean' }).optional(),
});

export const parseReceive = (body: unknown) => parse(receiveBody, body);
export const parseAck = (body: unknown) => parse(ackBody, body);
export const parseShareReset = (body: unknown) => parse(shareResetBody, body);
