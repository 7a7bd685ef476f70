/**
 * The OpenAPI 3.1 description of the whole HTTP API (/v1 and the Upstash
 * facade under /upstash), generated from what the service itself runs on:
 * the route table (`ROUTES`: paths, methods, operationIds, permissions), the
 * zod schemas the handlers validate request bodies with (converted to JSON
 * Schema draft 2020-12, the dialect of OpenAPI 3.1), the query-parameter
 * lists the parsers accept, the error table (`STATUS_BY_CODE`) and the
 * response schemas of `openapi-schemas.ts`.
 *
 * Served at `GET /v1/openapi.json` (`lambdas/handlers/meta.ts`) and shipped
 * as `docs/openapi.json` (`npm run openapi` writes it; a unit test fails
 * when the two differ). What a JSON Schema cannot say (cross-field rules
 * such as "exactly one of value and valueBase64") is added below, by schema
 * identity, or stated in descriptions.
 */
import { z } from 'zod';
import { ROUTES, type Route } from './routes';
import { STATUS_BY_CODE } from './errors';
import { V1_OPERATIONS, queryParameter, pathParameter, type OperationDoc } from './openapi-operations';
import { UPSTASH_OPERATIONS, headerParameter } from './openapi-upstash-operations';
import * as subscriptions from './openapi-subscriptions';
import { SUBSCRIPTION_OPERATIONS } from './openapi-subscriptions';
import { createSubscriptionBody, updateSubscriptionBody } from './subscription-schemas';
import { SHARE_OPERATIONS, SHARE_REQUEST_SCHEMAS, SHARE_RESPONSE_SCHEMAS, acquiredRecord } from './openapi-share';
import * as responses from './openapi-schemas';
import { createTopicBody, produceBody, produceRecord, stringMap, updateTopicBody, IDEMPOTENCY_KEY } from './schemas';
import { commitBody, nackBody, pollBody, redriveBody, resetBody } from './group-schemas';
import { createTokenBody } from './token-schemas';
import * as upstash from '../upstash/schemas';

type JsonObject = Record<string, unknown>;

/** Every operation's description, /v1 and the Upstash facade, by operationId. */
const OPERATIONS: Readonly<Record<string, OperationDoc>> = { ...V1_OPERATIONS, ...SHARE_OPERATIONS, ...SUBSCRIPTION_OPERATIONS, ...UPSTASH_OPERATIONS };

/** Where the Upstash Kafka REST API that the facade serves is specified. */
export const UPSTASH_REST_DOCS = 'https://upstash.com/docs/kafka/rest/restintro';

const EXACTLY_ONE_VALUE = { oneOf: [{ required: ['value'] }, { required: ['valueBase64'] }] };

/** Request bodies by component name (JSON Schema of what the parser accepts). */
const REQUEST_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  CreateTopicRequest: createTopicBody,
  UpdateTopicRequest: updateTopicBody,
  ProduceRequest: produceBody,
  ProduceRecord: produceRecord,
  PollRequest: pollBody,
  CommitRequest: commitBody,
  NackRequest: nackBody,
  OffsetResetRequest: resetBody,
  RedriveRequest: redriveBody,
  CreateTokenRequest: createTokenBody,
  CreateSubscriptionRequest: createSubscriptionBody,
  UpdateSubscriptionRequest: updateSubscriptionBody,
  ...SHARE_REQUEST_SCHEMAS,
  UpstashProduceRequest: upstash.upstashProduceBody,
  UpstashProduceMessage: upstash.produceRequest,
  UpstashFetchRequest: upstash.fetchBody,
  UpstashConsumeRequest: upstash.consumeBody,
  UpstashCommitRequest: upstash.upstashCommitBody,
  UpstashTopicPartitionOffset: upstash.topicPartitionOffset,
  UpstashTopicPartitions: upstash.topicPartitionsBody,
  UpstashTopicPartition: upstash.topicPartition,
};

/** Response bodies by component name. */
const RESPONSE_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  Topic: responses.topic,
  TopicList: responses.topicList,
  TopicReaderList: responses.topicReaderList,
  Whoami: responses.whoami,
  ProduceResponse: responses.produceResponse,
  Record: responses.record,
  FetchResponse: responses.fetchResponse,
  DeliveredRecord: responses.deliveredRecord,
  PollResponse: responses.pollResponse,
  CommitResponse: responses.commitResponse,
  NackResponse: responses.nackResponse,
  OffsetResetResponse: responses.resetResponse,
  GroupDescription: responses.groupDescription,
  DeadLetter: responses.deadLetter,
  DeadLetterList: responses.deadLetterList,
  RedriveResponse: responses.redriveResponse,
  Subscription: subscriptions.subscription,
  SubscriptionWithSecret: subscriptions.subscriptionWithSecret,
  SubscriptionList: subscriptions.subscriptionList,
  SubscriptionDescription: subscriptions.subscriptionDescription,
  TokenSummary: responses.tokenSummary,
  CreatedToken: responses.createdToken,
  TokenList: responses.tokenList,
  OpenApiDocument: responses.openApiDocument,
  ...SHARE_RESPONSE_SCHEMAS,
  UpstashProduceResponse: responses.upstashProduceResponse,
  UpstashProduceResult: responses.upstashProduceResult,
  UpstashMessageList: responses.upstashMessageList,
  UpstashMessage: responses.upstashMessage,
  UpstashSuccess: responses.upstashSuccess,
  UpstashCommittedOffsets: responses.upstashCommittedOffsets,
  UpstashPartitionOffsets: responses.upstashPartitionOffsets,
  UpstashTopics: responses.upstashTopics,
  UpstashConsumers: responses.upstashConsumers,
};

/** The JSON Schema keywords the zod conversion cannot produce, by schema identity. */
const ADDITIONS = new Map<z.ZodType, JsonObject>([
  [stringMap, { type: 'object', additionalProperties: { type: 'string' } }],
  [produceRecord, EXACTLY_ONE_VALUE],
  [responses.record, EXACTLY_ONE_VALUE],
  [responses.deliveredRecord, EXACTLY_ONE_VALUE],
  [acquiredRecord, EXACTLY_ONE_VALUE],
  [responses.deadLetter, EXACTLY_ONE_VALUE],
  [updateTopicBody, { minProperties: 1 }],
  [upstash.produceRequest, { description: 'One message. Header keys must be distinct.' }],
  // topic, partition and offset go together; and there is something to read.
  [
    upstash.fetchBody,
    {
      dependentRequired: { topic: ['partition', 'offset'], partition: ['topic', 'offset'], offset: ['topic', 'partition'] },
      anyOf: [{ required: ['topic'] }, { required: ['topicPartitionOffsets'], properties: { topicPartitionOffsets: { minItems: 1 } } }],
    },
  ],
  [upstash.consumeBody, { oneOf: [{ required: ['topic'] }, { required: ['topics'] }] }],
]);

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'The request is invalid; the message names the field.',
  401: 'No token, or an unknown, revoked or malformed one.',
  403: 'The token lacks the permission on the topic.',
  404: 'No such route, topic, partition, group, dead letter or token.',
  409: 'Conflict: the topic or subscription exists, the consumer does not hold the lease, or the group has live consumers (offset reset without force).',
  413: 'Over a limit: 500 records or 6,000,000 bytes per request, 1 MiB per record.',
  416: 'The offset is outside [startOffset, endOffset].',
  422: 'The Idempotency-Key was used before with another body.',
  429: 'Throttled; retry after the Retry-After header.',
  500: 'A bug: the message is a fixed sentence.',
  503: 'A transient failure; safe to retry.',
};

/** Statuses that carry `Retry-After`. */
const RETRY_AFTER = new Set([409, 429, 503]);

/**
 * Statuses API Gateway itself answers on any route, and when: always in the
 * /v1 error body (lib/gateway-responses.ts), so on the facade's routes these
 * statuses come in either body.
 */
const GATEWAY_CASES: Readonly<Record<number, string>> = {
  401: 'no Authorization header, or a bearer token that fails',
  413: 'a request over 10 MB',
  429: 'its throttling',
  503: 'timeouts and failures of the authorizer or the function',
};
const GATEWAY_STATUSES = new Set(Object.keys(GATEWAY_CASES).map(Number));

function registryOf(schemas: Readonly<Record<string, z.ZodType>>) {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  return registry;
}

/** JSON Schemas of a set of named zod schemas, referring to each other through `#/components/schemas/…`. */
function jsonSchemas(schemas: Readonly<Record<string, z.ZodType>>, io: 'input' | 'output'): Record<string, JsonObject> {
  const { schemas: out } = z.toJSONSchema(registryOf(schemas), {
    target: 'draft-2020-12',
    io,
    // `stringMap` is a custom type (it keeps `__proto__` keys as data); ADDITIONS gives its schema.
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
    override: (ctx) => {
      const addition = ADDITIONS.get(ctx.zodSchema as unknown as z.ZodType);
      if (addition) Object.assign(ctx.jsonSchema, addition);
      // A literal such as the facade's `"status": 400` is an integer, not just a number.
      if (ctx.jsonSchema.type === 'number' && Number.isInteger(ctx.jsonSchema.const)) ctx.jsonSchema.type = 'integer';
    },
  });
  // Components are embedded in one document: no per-schema dialect or id.
  for (const schema of Object.values(out)) {
    delete (schema as JsonObject).$schema;
    delete (schema as JsonObject).$id;
  }
  return out as Record<string, JsonObject>;
}

const ERROR_STATUSES = [...new Set(Object.values(STATUS_BY_CODE))].sort((a, b) => a - b);

/** The error responses (and their body schemas) of each status: `Error<status>` for /v1, `UpstashError<status>` for the facade. */
function errorComponents(): { schemas: Record<string, z.ZodType>; responses: JsonObject } {
  const schemas: Record<string, z.ZodType> = {};
  const out: JsonObject = {};
  const retryAfter = (status: number) =>
    RETRY_AFTER.has(status)
      ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 } } } }
      : {};
  for (const status of ERROR_STATUSES) {
    const description = STATUS_TEXT[status] ?? `Error ${status}.`;
    schemas[`Error${status}`] = responses.errorBody(status);
    out[`Error${status}`] = {
      description,
      ...retryAfter(status),
      content: { 'application/json': { schema: { $ref: `#/components/schemas/Error${status}` } } },
    };
  }
  for (const status of ERROR_STATUSES) {
    const own = { $ref: `#/components/schemas/UpstashError${status}` };
    const gateway = GATEWAY_STATUSES.has(status);
    schemas[`UpstashError${status}`] = responses.upstashErrorBody(status);
    out[`UpstashError${status}`] = {
      description: `${STATUS_TEXT[status] ?? `Error ${status}.`} In Upstash's error body${
        gateway ? `; or in the /v1 error body when API Gateway answers itself (${GATEWAY_CASES[status]})` : ''
      }.`,
      ...retryAfter(status),
      content: {
        'application/json': { schema: gateway ? { oneOf: [own, { $ref: `#/components/schemas/Error${status}` }] } : own },
      },
    };
  }
  return { schemas, responses: out };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function componentName(schema: z.ZodType, table: Readonly<Record<string, z.ZodType>>): string {
  const name = Object.entries(table).find(([, s]) => s === schema)?.[0];
  if (!name) throw new Error('A schema used by an operation is not registered as a component');
  return name;
}

function permissionText(route: Route, doc: OperationDoc): string {
  if (doc.permission) return doc.permission;
  const action = route.action;
  if (action === 'none') return 'Any valid token.';
  if (action === 'any') return 'Any permission (`produce`, `consume` or `admin`) on the `{topic}` in the path.';
  const where = { path: 'the `{topic}` in the path', body: 'the topic named in the body', query: 'the `topic` query parameter', none: '`*` (every topic)' };
  return `Permission \`${action}\` on ${where[route.topicIn]}.`;
}

function requestBody(doc: OperationDoc): JsonObject | undefined {
  if (doc.request) {
    return {
      required: !doc.requestOptional,
      content: { 'application/json': { schema: ref(componentName(doc.request, REQUEST_SCHEMAS)) } },
    };
  }
  if (doc.textRequest) return { required: false, description: doc.textRequest, content: { '*/*': { schema: { type: 'string' } } } };
  return undefined;
}

function operation(route: Route, doc: OperationDoc): JsonObject {
  const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
  const parameters = [
    ...names.map((name) => pathParameter(name, route)),
    ...(doc.query ?? []).map((name) => queryParameter(name, doc)),
    ...(doc.headers ?? []).map((name) => headerParameter(name)),
    ...(doc.idempotencyKey
      ? [{ name: 'Idempotency-Key', in: 'header', required: false, description: 'Repeating a request with the same key within 24 h stores nothing new and returns the first response.', schema: { type: 'string', pattern: IDEMPOTENCY_KEY.source } }]
      : []),
  ];
  // The facade's handler answers errors in Upstash's body (`upstashErrorResponse`), and takes Basic credentials.
  const facade = route.handler === 'upstash';
  const body = requestBody(doc);
  const success: JsonObject = { description: doc.success.description };
  if (doc.success.body) {
    success.content = { 'application/json': { schema: ref(componentName(doc.success.body, RESPONSE_SCHEMAS)) } };
  }
  const statuses = [...new Set([...(doc.errors ?? []), 401, 429, 500, 503])].sort((a, b) => a - b);
  return {
    operationId: route.operation,
    summary: doc.summary,
    description: `${doc.description ? `${doc.description}\n\n` : ''}${permissionText(route, doc)}`,
    tags: [doc.tag],
    'x-tributary-permission': { action: route.action, topicIn: route.topicIn },
    ...(facade ? { security: [{ basicToken: [] }, { bearerToken: [] }] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: {
      [String(doc.success.status)]: success,
      ...Object.fromEntries(
        statuses.map((status) => [String(status), { $ref: `#/components/responses/${facade ? 'UpstashError' : 'Error'}${status}` }]),
      ),
    },
  };
}

function paths(): JsonObject {
  const out: Record<string, JsonObject> = {};
  const documented = new Set(Object.keys(OPERATIONS));
  for (const route of ROUTES) {
    const doc = OPERATIONS[route.operation];
    if (!doc) throw new Error(`Route ${route.method} ${route.path} (${route.operation}) has no entry in OPERATIONS`);
    documented.delete(route.operation);
    out[route.path] = { ...out[route.path], [route.method.toLowerCase()]: operation(route, doc) };
  }
  if (documented.size > 0) throw new Error(`OPERATIONS describes operations no route has: ${[...documented].join(', ')}`);
  return out;
}

const DESCRIPTION = [
  'Tributary: a Kafka-like partitioned log and queue over HTTPS and JSON (topics, partitions, offsets, consumer groups with leases, dead letters).',
  'Every /v1 route needs `Authorization: Bearer <token>`; a token carries permissions per topic-name pattern. Every non-2xx response of /v1 has the body `{"error": {"code", "message"}}`.',
  `The routes under \`/upstash/…\` (tag Upstash) serve the Upstash Kafka REST API (${UPSTASH_REST_DOCS}) as the \`@upstash/kafka\` SDK 1.3.5 calls it, so its code runs against Tributary with another URL and a Tributary token as the Basic password. Their errors come in Upstash's body \`{"error": "<message>", "status": N}\`, with the /v1 \`code\` beside them.`,
  'Response objects list every field the server sends today; the API grows only by new optional fields and routes, so clients should ignore fields they do not know.',
].join('\n\n');

const TAGS: ReadonlyArray<JsonObject> = [
  ...['Topics', 'Records', 'Consumer groups', 'Share groups', 'Dead letters', 'Subscriptions', 'Tokens', 'Meta'].map((name) => ({ name })),
  {
    name: 'Upstash',
    description:
      'The Upstash-Kafka-compatible facade: the Upstash Kafka REST API (the calls of the `@upstash/kafka` SDK 1.3.5), on Tributary topics and consumer groups. Authenticate with HTTP Basic, any username and a Tributary token as the password (a bearer token works too). See the README, "Moving from Upstash Kafka", for how it maps and where it differs.',
    externalDocs: { description: 'The Upstash Kafka REST API', url: UPSTASH_REST_DOCS },
  },
];

/** Builds the document (deterministic: same code, same bytes). */
export function buildOpenApiDocument(): JsonObject {
  const errors = errorComponents();
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tributary HTTP API',
      version: '1',
      description: DESCRIPTION,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [
      {
        url: '{baseUrl}',
        description: 'The local stack, or a deployment: its ApiUrl stack output without the trailing slash.',
        variables: { baseUrl: { default: 'http://127.0.0.1:4000' } },
      },
    ],
    security: [{ bearerToken: [] }],
    tags: TAGS,
    paths: paths(),
    components: {
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer', bearerFormat: 'trb_<id>_<secret>', description: 'A Tributary token.' },
        basicToken: {
          type: 'http',
          scheme: 'basic',
          description:
            'For the /upstash routes, as the `@upstash/kafka` SDK sends it: `Basic base64(<username>:<token>)`, any username (not checked), a Tributary token as the password.',
        },
      },
      schemas: {
        ...jsonSchemas(REQUEST_SCHEMAS, 'input'),
        ...jsonSchemas({ ...RESPONSE_SCHEMAS, ...errors.schemas }, 'output'),
      },
      responses: errors.responses,
    },
  };
}

let cached: string | undefined;

/** The document as served and as shipped: pretty-printed JSON with a final newline. */
export function openApiJson(): string {
  cached ??= `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
  return cached;
}
