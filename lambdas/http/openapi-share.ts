/**
 * The OpenAPI description of the share-group operations (API.md, "Share
 * groups"): their response schemas and operation docs, kept apart from
 * openapi-operations.ts and openapi-schemas.ts (both near their size limit).
 */
import { z } from 'zod';
import type { OperationDoc } from './openapi-operations';
import { record } from './openapi-schemas';
import { TOPIC_QUERY } from './group-schemas';
import { ackBody, receiveBody, shareResetBody } from './share-schemas';

const offset = z.number().int().min(0).describe('An offset: a non-negative integer.');
const partition = z.number().int().min(0);
const epochMs = z.number().int().min(0).describe('Epoch milliseconds.');

export const acquiredRecord = record.extend({
  deliveryAttempt: z.number().int().min(1).describe('Acquisitions of this record by the group, this one included (lock expiries count).'),
  lockToken: z.string().describe('Names this lock in an ack; a later acquisition of the record has another token.'),
  lockExpiresAt: epochMs,
});

export const receiveResponse = z.strictObject({ records: z.array(acquiredRecord) });

export const ackResponse = z.strictObject({
  results: z
    .array(
      z.strictObject({
        partition,
        offset,
        status: z.enum(['accepted', 'released', 'dead-lettered', 'renewed', 'lock-lost']),
      }),
    )
    .describe('One per ack, in request order. `lock-lost`: the token is not the live lock of the record; nothing changed.'),
});

export const shareGroupDescription = z.strictObject({
  group: z.string(),
  topic: z.string(),
  partitions: z.array(
    z.strictObject({
      partition,
      startOffset: offset.nullable().describe('Lowest offset not yet accepted or dead-lettered; null before the group received from the partition.'),
      endOffset: offset,
      acquired: z.number().int().min(0).describe('Records locked now.'),
      available: z.number().int().min(0).nullable().describe('Records from startOffset to the end neither locked nor done.'),
      deadLettered: z.number().int().min(0).describe('Records of the partition this group dead-lettered.'),
    }),
  ),
});

export const shareResetResponse = z.strictObject({
  group: z.string(),
  topic: z.string(),
  offsets: z.array(z.strictObject({ partition, committedOffset: offset.describe('The new start offset.') })),
});

/** Request bodies by component name. */
export const SHARE_REQUEST_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  ShareReceiveRequest: receiveBody,
  ShareAckRequest: ackBody,
  ShareResetRequest: shareResetBody,
};

/** Response bodies by component name. */
export const SHARE_RESPONSE_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  AcquiredRecord: acquiredRecord,
  ShareReceiveResponse: receiveResponse,
  ShareAckResponse: ackResponse,
  ShareGroupDescription: shareGroupDescription,
  ShareResetResponse: shareResetResponse,
};

export const SHARE_OPERATIONS: Readonly<Record<string, OperationDoc>> = {
  receive: {
    summary: 'Acquire records of a share group under a lock (a work queue), with long polling',
    description:
      'Each record returned is locked for `lockMs`: no other receive returns it until the lock expires or the record is released. Records that do not match `filter` are done for the group and never delivered.',
    tag: 'Share groups',
    request: receiveBody,
    success: { status: 200, description: 'The acquired records, possibly none.', body: receiveResponse },
    errors: [400, 403, 404],
  },
  ack: {
    summary: 'Accept, release (with a delay), reject or renew acquired records',
    description:
      'A `release` of a record acquired `maxDeliveryAttempts` times, and a `reject`, dead-letter it (dead letters with `group` = the share group).',
    tag: 'Share groups',
    request: ackBody,
    success: { status: 200, description: 'One result per ack.', body: ackResponse },
    errors: [400, 403, 404],
  },
  describeShareGroup: {
    summary: 'Describe a share group on a topic: start offset, acquired and available records per partition',
    tag: 'Share groups',
    query: TOPIC_QUERY,
    requiredQuery: ['topic'],
    success: { status: 200, description: 'The group\'s partitions.', body: shareGroupDescription },
    errors: [400, 403, 404],
  },
  resetShareGroup: {
    summary: 'Move a share group\'s start offset (locks in the reset range are dropped)',
    tag: 'Share groups',
    request: shareResetBody,
    success: { status: 200, description: 'The new start offsets.', body: shareResetResponse },
    errors: [400, 403, 404],
  },
  deleteShareGroup: {
    summary: 'Delete a share group\'s state on a topic (its next receive starts afresh)',
    tag: 'Share groups',
    query: TOPIC_QUERY,
    requiredQuery: ['topic'],
    success: { status: 204, description: 'Deleted.' },
    errors: [400, 403, 404],
  },
};
