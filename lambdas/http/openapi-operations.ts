/**
 * What the OpenAPI description says about each /v1 operation beyond the
 * route table: summary, request and response schemas, query parameters (the
 * same lists the parsers accept), and the error statuses besides those every
 * operation can answer; also the shared parameter schemas. The Upstash
 * facade's operations are in `openapi-upstash-operations.ts`. `openapi.ts`
 * fails when a route has no entry in either or an entry has no route.
 */
import { z } from 'zod';
import { DEAD_LETTER_ID_PATTERN } from '../core/dead-letters';
import { TOKEN_ID_PATTERN } from '../core/auth';
import { DEFAULT_FETCH_LIMIT, MAX_FETCH_LIMIT, MAX_PARTITIONS, MAX_WAIT_MS, TOPIC_NAME_PATTERN } from '../core/limits';
import * as responses from './openapi-schemas';
import type { Route } from './routes';
import { createTopicBody, FETCH_QUERY, produceBody, topicName, updateTopicBody } from './schemas';
import {
  commitBody,
  consumerId,
  DEAD_LETTER_LIST_QUERY,
  GROUP_QUERY,
  nackBody,
  pollBody,
  redriveBody,
  resetBody,
  TOPIC_QUERY,
} from './group-schemas';
import { createTokenBody } from './token-schemas';
import * as upstash from '../upstash/schemas';

type Tag = 'Topics' | 'Records' | 'Consumer groups' | 'Share groups' | 'Dead letters' | 'Subscriptions' | 'Tokens' | 'Meta' | 'Upstash';

export interface OperationDoc {
  readonly summary: string;
  readonly description?: string;
  readonly tag: Tag;
  readonly request?: z.ZodType;
  /** The JSON body may be left out (the operation then does something stated in the description). */
  readonly requestOptional?: boolean;
  /** A body read as text whatever its media type, not JSON: what it is. */
  readonly textRequest?: string;
  readonly success: { readonly status: 200 | 201 | 204; readonly description: string; readonly body?: z.ZodType };
  /** Query parameter names, in the parser's list. */
  readonly query?: readonly string[];
  /** Query parameters that must be present. */
  readonly requiredQuery?: readonly string[];
  readonly idempotencyKey?: boolean;
  /** Request header names (see `UPSTASH_HEADERS` in openapi-upstash-operations.ts). */
  readonly headers?: readonly string[];
  /** Where the permission applies, when the route table's `topicIn` says too little. */
  readonly permission?: string;
  /** Error statuses besides 401, 429, 500 and 503 (which any operation may answer). */
  readonly errors?: readonly number[];
}

/** A parameter's JSON Schema from the zod schema its parser uses. */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
  return rest;
}

/** Topic and group names: the same rule. */
const NAME = { type: 'string', pattern: TOPIC_NAME_PATTERN.source };
/** What an operation with a validated request may answer besides the statuses every operation may. */
export const REQUEST_ERRORS = [400, 403, 404] as const;

/** The /v1 operations (the facade's are in `openapi-upstash-operations.ts`). */
export const V1_OPERATIONS: Readonly<Record<string, OperationDoc>> = {
  createTopic: {
    summary: 'Create a topic',
    description: 'Defaults: retentionMs 7 days, retentionBytes -1 (unlimited), archiveAfterMs 1 hour, maxDeliveryAttempts 5.',
    tag: 'Topics',
    request: createTopicBody,
    success: { status: 201, description: 'The topic.', body: responses.topic },
    errors: [...REQUEST_ERRORS, 409],
  },
  listTopics: {
    summary: 'List topics',
    tag: 'Topics',
    success: {
      status: 200,
      description: 'The topics on which the token holds any permission (every topic for a `*` grant).',
      body: responses.topicList,
    },
  },
  describeTopic: {
    summary: 'Describe a topic: its partitions, offsets, tier sizes and config',
    tag: 'Topics',
    success: { status: 200, description: 'The topic.', body: responses.topic },
    errors: REQUEST_ERRORS,
  },
  updateTopic: {
    summary: 'Change retention or maxDeliveryAttempts, or raise partitions (never lower it)',
    tag: 'Topics',
    request: updateTopicBody,
    success: { status: 200, description: 'The topic after the change.', body: responses.topic },
    errors: REQUEST_ERRORS,
  },
  deleteTopic: {
    summary: 'Delete a topic and its records',
    tag: 'Topics',
    success: { status: 204, description: 'Deleted.' },
    errors: REQUEST_ERRORS,
  },
  produce: {
    summary: 'Append records',
    description:
      'Records without `partition` go to murmur2(key) % partitions (Kafka\'s partitioner), or are spread when they have no key. A 200 means every record is durably stored; records of one request on one partition get consecutive offsets in request order.',
    tag: 'Records',
    request: produceBody,
    idempotencyKey: true,
    success: { status: 200, description: 'Each record\'s partition and offset, in request order.', body: responses.produceResponse },
    errors: [...REQUEST_ERRORS, 409, 413, 422],
  },
  fetch: {
    summary: 'Read a partition from an offset (replay, tailing), with long polling',
    tag: 'Records',
    query: FETCH_QUERY,
    success: { status: 200, description: 'Records from the position, possibly none.', body: responses.fetchResponse },
    errors: [...REQUEST_ERRORS, 416],
  },
  poll: {
    summary: 'Poll as a member of a consumer group',
    description:
      'Renews the caller\'s leases, takes a fair share of free partitions and returns records from each held partition\'s committed offset.',
    tag: 'Consumer groups',
    request: pollBody,
    success: { status: 200, description: 'Records and the caller\'s assignment.', body: responses.pollResponse },
    errors: REQUEST_ERRORS,
  },
  commit: {
    summary: 'Commit offsets (each the next offset to read)',
    tag: 'Consumer groups',
    description: 'An offset above its partition\'s end offset refuses the whole commit (416, nothing committed).',
    request: commitBody,
    success: { status: 200, description: 'The offsets now committed.', body: responses.commitResponse },
    errors: [...REQUEST_ERRORS, 409, 416],
  },
  nack: {
    summary: 'Report a record as failed: redelivered, or dead-lettered after maxDeliveryAttempts',
    tag: 'Consumer groups',
    request: nackBody,
    success: { status: 200, description: 'What happens to the record.', body: responses.nackResponse },
    errors: [...REQUEST_ERRORS, 409, 416],
  },
  describeGroup: {
    summary: 'Describe a group on a topic: committed offsets, lag and leases',
    tag: 'Consumer groups',
    query: TOPIC_QUERY,
    requiredQuery: ['topic'],
    success: { status: 200, description: 'The group\'s partitions.', body: responses.groupDescription },
    errors: REQUEST_ERRORS,
  },
  resetOffsets: {
    summary: 'Reset a group\'s committed offsets (earliest, latest, offset, timestamp, shiftBy)',
    description:
      'Moves the committed offsets of the listed partitions (default: all), in either direction, as `kafka-consumer-groups --reset-offsets` does. ' +
      '`offset` and `shiftBy` are clamped to [startOffset, endOffset]; `timestamp` goes to the first record with timestamp ≥ T (the end offset when none). ' +
      'While a live consumer holds one of the partitions: 409 GROUP_ACTIVE, unless `force`, which revokes the leases in the same transaction, so a former holder\'s commit gets 409 NOT_LEASE_HOLDER and cannot undo the reset. ' +
      'Atomic per 99 partitions. Extension: `dryRun` answers the plan without writing.',
    tag: 'Consumer groups',
    request: resetBody,
    success: { status: 200, description: 'The new committed offsets.', body: responses.resetResponse },
    errors: [...REQUEST_ERRORS, 409],
  },
  leave: {
    summary: 'Remove a consumer from a group, releasing its leases at once',
    tag: 'Consumer groups',
    query: TOPIC_QUERY,
    requiredQuery: ['topic'],
    success: { status: 204, description: 'Removed (or was not a member).' },
    errors: REQUEST_ERRORS,
  },
  listDeadLetters: {
    summary: 'List dead letters, a page at a time',
    tag: 'Dead letters',
    query: DEAD_LETTER_LIST_QUERY,
    success: { status: 200, description: 'A page of dead letters.', body: responses.deadLetterList },
    errors: REQUEST_ERRORS,
  },
  redrive: {
    summary: 'Append dead letters to a topic again and remove them',
    description:
      'Appends the group\'s dead letters (all, or the listed ids) to `targetTopic` (default: this topic) with `x-dlq-*` headers, and removes them in the same transaction. Also needs `produce` on the target topic.',
    tag: 'Dead letters',
    request: redriveBody,
    success: { status: 200, description: 'How many were redriven.', body: responses.redriveResponse },
    errors: REQUEST_ERRORS,
  },
  deleteDeadLetter: {
    summary: 'Delete one dead letter',
    tag: 'Dead letters',
    query: GROUP_QUERY,
    requiredQuery: ['group'],
    success: { status: 204, description: 'Deleted.' },
    errors: REQUEST_ERRORS,
  },
  createToken: {
    summary: 'Mint a token',
    tag: 'Tokens',
    request: createTokenBody,
    success: { status: 201, description: 'The token; its secret is shown only here.', body: responses.createdToken },
    errors: [400, 403],
  },
  listTokens: {
    summary: 'List tokens (never their secrets)',
    tag: 'Tokens',
    success: { status: 200, description: 'Every token.', body: responses.tokenList },
    errors: [403],
  },
  revokeToken: {
    summary: 'Revoke a token (refused within 60 seconds)',
    tag: 'Tokens',
    success: { status: 204, description: 'Revoked.' },
    errors: REQUEST_ERRORS,
  },
  listTopicGroups: {
    summary: "Who reads a topic: its consumer groups, share groups and subscriptions, with their lag and live members",
    tag: 'Consumer groups',
    success: { status: 200, description: 'Every reader of the topic, by type then name.', body: responses.topicReaderList },
    errors: [400, 403, 404],
  },
  whoami: {
    summary: 'The calling token: its id, name and permissions',
    tag: 'Meta',
    success: { status: 200, description: 'The token (never its secret).', body: responses.whoami },
  },
  getOpenApi: {
    summary: 'This OpenAPI description',
    tag: 'Meta',
    success: { status: 200, description: 'The OpenAPI 3.1 document (also docs/openapi.json in the repository).', body: responses.openApiDocument },
  },
};

export const integer = (minimum: number, maximum: number, extra: Record<string, unknown> = {}) => ({ type: 'integer', minimum, maximum, ...extra });

/** Schemas and descriptions of query parameters, by name. */
const QUERY: Readonly<Record<string, { description: string; schema: Record<string, unknown> }>> = {
  offset: {
    description: 'Where to start: an offset, `earliest` or `latest`. Exactly one of offset and fromTimestamp.',
    schema: { anyOf: [integer(0, Number.MAX_SAFE_INTEGER), { type: 'string', enum: ['earliest', 'latest'] }] },
  },
  fromTimestamp: {
    description: 'Start at the first record with timestamp ≥ this (epoch ms) instead of at an offset.',
    schema: integer(0, Number.MAX_SAFE_INTEGER),
  },
  limit: { description: 'At most this many records.', schema: integer(1, MAX_FETCH_LIMIT, { default: DEFAULT_FETCH_LIMIT }) },
  waitMs: {
    description: 'Long poll: return as soon as a record is there, or empty when the wait ends.',
    schema: integer(0, MAX_WAIT_MS, { default: 0 }),
  },
  topic: { description: 'The topic.', schema: NAME },
  group: { description: 'The consumer group.', schema: NAME },
  cursor: { description: 'The `cursor` of the previous page.', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,2000}$' } },
};

export function queryParameter(name: string, doc: OperationDoc): Record<string, unknown> {
  const known = QUERY[name];
  if (!known) throw new Error(`Query parameter '${name}' has no description in QUERY`);
  return { name, in: 'query', required: doc.requiredQuery?.includes(name) ?? false, ...known };
}

/** Schemas of path parameters; `id` depends on the route (dead letter or token). */
export function pathParameter(name: string, route: Route): Record<string, unknown> {
  const schemas: Record<string, Record<string, unknown>> = {
    topic: jsonSchemaOf(topicName),
    group: NAME,
    name: NAME,
    partition: integer(0, MAX_PARTITIONS - 1),
    consumerId: jsonSchemaOf(consumerId),
    id: { type: 'string', pattern: (route.handler === 'tokens' ? TOKEN_ID_PATTERN : DEAD_LETTER_ID_PATTERN).source },
    instance: jsonSchemaOf(upstash.instanceId),
    position: { anyOf: [integer(0, Number.MAX_SAFE_INTEGER), { type: 'string', enum: ['earliest', 'latest'] }] },
  };
  const schema = schemas[name];
  if (!schema) throw new Error(`Path parameter '${name}' of ${route.path} has no schema`);
  const description = PATH_DESCRIPTIONS[name];
  return { name, in: 'path', required: true, ...(description ? { description } : {}), schema };
}

/** Path parameters whose name says too little. */
const PATH_DESCRIPTIONS: Readonly<Record<string, string>> = {
  instance: 'The consumer instance id (a consumer of the group).',
  name: "The push subscription's name.",
  position: 'A timestamp in epoch ms, `earliest` or `latest`.',
};
