/**
 * The response bodies of the /v1 API and of the Upstash facade (`/upstash`)
 * as zod schemas, for the OpenAPI description only (`openapi.ts`): handlers
 * build their bodies in `present.ts`, the handler files and
 * `lambdas/upstash/`, and the end-to-end test `test/e2e/openapi.e2e.test.ts`
 * checks real responses against these, so a handler that adds, drops or
 * renames a field fails it.
 *
 * Objects are strict (every field the server sends is listed). The API only
 * grows by new optional fields, so clients should still ignore fields they
 * do not know.
 */
import { z } from 'zod';
import { STATUS_BY_CODE } from './errors';
import type { ErrorCode } from '../core/errors';

const offset = z.number().int().min(0).describe('An offset: a non-negative integer.');
const partition = z.number().int().min(0);
const epochMs = z.number().int().min(0).describe('Epoch milliseconds.');

const topicConfig = z.strictObject({
  retentionMs: z.number().int().describe('-1: unlimited.'),
  retentionBytes: z.number().int().describe('-1: unlimited.'),
  archiveAfterMs: z.number().int().min(0),
  maxDeliveryAttempts: z.number().int().min(1),
});

const partitionOffsets = z.strictObject({
  partition,
  startOffset: offset.describe('The oldest offset still readable.'),
  archivedOffset: offset.describe('Offsets from startOffset up to this one are served from S3 segments.'),
  endOffset: offset.describe('The offset the next record appended will get.'),
  archivedBytes: z.number().int().min(0).describe('Record bytes in S3 segments (exact).'),
  hotBytes: z
    .number()
    .int()
    .min(0)
    .nullable()
    .describe("Record bytes in DynamoDB as the archiver last measured them; null before its first run."),
});

export const topic = z.strictObject({
  name: z.string(),
  topicId: z.string().describe('Identifies this incarnation of the name (a re-created topic gets a new id).'),
  createdAt: epochMs,
  partitions: z.array(partitionOffsets),
  config: topicConfig,
});

export const topicList = z.strictObject({
  topics: z.array(z.strictObject({ name: z.string(), partitions: z.number().int().min(1) })),
});

export const produceResponse = z.strictObject({
  results: z
    .array(z.strictObject({ partition, offset }))
    .describe('One per record, in request order.'),
});

/** A record as fetch, poll and the dead-letter list return it: exactly one of `value` and `valueBase64`. */
export const record = z.strictObject({
  partition,
  offset,
  key: z.string().nullable(),
  value: z.unknown().optional().describe('The JSON value, for records produced with `value`.'),
  valueBase64: z.string().optional().describe('The bytes, for records produced with `valueBase64`.'),
  headers: z.record(z.string(), z.string()),
  timestamp: epochMs,
});

export const fetchResponse = z.strictObject({
  records: z.array(record),
  nextOffset: offset.describe('The offset to fetch from next.'),
  endOffset: offset,
});

export const deliveredRecord = record.extend({
  deliveryAttempt: z.number().int().min(1).describe('1 on first delivery; counts nacks of this record.'),
});

export const pollResponse = z.strictObject({
  records: z.array(deliveredRecord),
  assignment: z.array(z.strictObject({ partition, leaseExpiresAt: epochMs })),
});

export const commitResponse = z.strictObject({
  offsets: z
    .array(z.strictObject({ partition, committedOffset: offset }))
    .describe('Per partition, the offset now committed (a commit never moves it backwards).'),
});

export const resetResponse = z.strictObject({
  group: z.string(),
  topic: z.string(),
  offsets: z
    .array(
      z.strictObject({
        partition,
        committedOffset: offset.describe('The committed offset after the reset.'),
        previousOffset: offset.nullable().describe('Tributary extension: the committed offset before it (null: never consumed).'),
      }),
    )
    .describe('Per partition reset, in partition order.'),
  dryRun: z.literal(true).optional().describe('Present on a dry run: nothing was written.'),
});

export const nackResponse = z.strictObject({
  action: z.enum(['retry', 'dead-lettered']),
  deliveryAttempt: z.number().int().min(1),
});

export const groupDescription = z.strictObject({
  group: z.string(),
  topic: z.string(),
  partitions: z.array(
    z.strictObject({
      partition,
      committedOffset: offset.nullable(),
      endOffset: offset,
      lag: z.number().int().min(0).nullable().describe('Records from max(committedOffset, startOffset) to endOffset.'),
      consumerId: z.string().nullable(),
      leaseExpiresAt: epochMs.nullable(),
    }),
  ),
});

export const deadLetter = record.omit({ partition: true, offset: true }).extend({
  id: z.string(),
  group: z.string(),
  partition,
  offset,
  deliveryAttempts: z.number().int().min(1),
  lastError: z.string().nullable(),
  deadLetteredAt: epochMs,
});

export const deadLetterList = z.strictObject({
  deadLetters: z.array(deadLetter),
  cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
});

export const redriveResponse = z.strictObject({ redriven: z.number().int().min(0) });

const permission = z.strictObject({
  topics: z.string(),
  actions: z.array(z.enum(['produce', 'consume', 'admin'])),
});

export const tokenSummary = z.strictObject({
  id: z.string(),
  name: z.string(),
  permissions: z.array(permission),
  createdAt: epochMs,
});

export const createdToken = tokenSummary.extend({
  token: z.string().describe('The bearer token `trb_<id>_<secret>`; shown only in this response.'),
});

export const tokenList = z.strictObject({ tokens: z.array(tokenSummary) });

export const openApiDocument = z.looseObject({ openapi: z.string() }).describe('This document.');

/** Details some errors carry beside `error` (see `lambdas/core/errors.ts`). */
const ERROR_DETAILS: Readonly<Partial<Record<number, z.ZodRawShape>>> = {
  409: {
    partitions: z.array(partition).optional().describe('NOT_LEASE_HOLDER: the partitions the consumer does not hold.'),
    consumers: z.array(z.string()).optional().describe('GROUP_ACTIVE: the live consumers holding partitions to reset.'),
  },
  416: { startOffset: offset, endOffset: offset },
};

/** The error body of one status: `code` is one of the codes the error table maps to it. */
export function errorBody(status: number) {
  const codes = (Object.keys(STATUS_BY_CODE) as ErrorCode[]).filter((code) => STATUS_BY_CODE[code] === status);
  const [first, ...rest] = codes;
  if (first === undefined) throw new Error(`No error code has status ${status}`);
  return z.looseObject({
    error: z.strictObject({
      code: z.enum([first, ...rest]),
      message: z.string().describe('A sentence for humans; for 400 it names the field.'),
    }),
    ...ERROR_DETAILS[status],
  });
}

// The Upstash facade (lambdas/upstash/): the bodies of the Upstash Kafka REST API, as `@upstash/kafka` 1.3.5 reads them.

export const upstashProduceResult = z.strictObject({
  topic: z.string(),
  partition,
  offset,
  timestamp: epochMs.describe("The message's timestamp: the one given, else when the server received it."),
});

export const upstashProduceResponse = z.array(upstashProduceResult).describe('One per message, in request order.');

export const upstashMessage = z.strictObject({
  topic: z.string(),
  partition,
  offset,
  timestamp: epochMs,
  key: z.string().describe('`""` for a record without a key.'),
  value: z
    .string()
    .describe('The message: the string produced through the facade; a record produced through /v1 reads as its JSON string, its other JSON values as JSON text, binary values as UTF-8.'),
  headers: z.array(z.strictObject({ key: z.string(), value: z.string() })),
});

export const upstashMessageList = z.array(upstashMessage).describe('Messages in partition order per partition, possibly none.');

export const upstashSuccess = z.strictObject({ result: z.literal('Success'), status: z.literal(200) });

export const upstashCommittedOffsets = z
  .array(
    z.strictObject({
      topic: z.string(),
      partition,
      offset: z.number().int().min(-1).describe("The group's committed offset (the next to read); -1: none yet."),
    }),
  )
  .describe('One per partition asked for, in request order.');

export const upstashPartitionOffsets = z
  .array(z.strictObject({ topic: z.string(), partition, offset }))
  .describe('One per partition asked for, in request order.');

export const upstashTopics = z.record(z.string(), z.number().int().min(1)).describe('Partitions per topic name, for every topic.');

export const upstashConsumers = z
  .array(
    z.strictObject({
      name: z.string().describe('The consumer group.'),
      instances: z.array(
        z.strictObject({
          name: z.string().describe('The instance id.'),
          topics: z.array(
            z.strictObject({
              topic: z.string(),
              partitions: z.array(partition).describe('The partitions the instance holds (as of its last consume; none once its lease ran out).'),
            }),
          ),
        }),
      ),
    }),
  )
  .describe('Every consumer instance, by group.');

/**
 * The facade's error body of one status (`upstashErrorResponse` in errors.ts): Upstash's
 * `{"error": "<message>", "status": N}`, with the /v1 `code` and details beside them.
 */
export function upstashErrorBody(status: number) {
  const codes = (Object.keys(STATUS_BY_CODE) as ErrorCode[]).filter((code) => STATUS_BY_CODE[code] === status);
  const [first, ...rest] = codes;
  if (first === undefined) throw new Error(`No error code has status ${status}`);
  return z.looseObject({
    error: z.string().describe('A sentence for humans (the message of the SDK\'s UpstashError); for 400 it names the field.'),
    status: z.literal(status),
    code: z.enum([first, ...rest]),
    ...ERROR_DETAILS[status],
  });
}

/** `GET /v1/topics/{topic}/groups`: who reads the topic. */
export const topicReaderList = z.strictObject({
  groups: z.array(
    z.strictObject({
      group: z.string(),
      type: z.enum(['consumer', 'share', 'subscription']),
      lag: z.number().int().min(0).describe('Records still to process (a share group: `available`).'),
      members: z.number().int().min(0).describe('Live members (0 for a subscription).'),
    }),
  ),
});

/** `GET /v1/whoami`: the calling token, never its secret. */
export const whoami = z.strictObject({
  id: z.string(),
  name: z.string(),
  permissions: z.array(permission),
});
