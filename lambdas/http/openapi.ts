/**
 * The OpenAPI 3.1 description of the /v1 API, generated from what the
 * service itself runs on: the route table (`ROUTES`: paths, methods,
 * operationIds, permissions), the zod schemas the handlers validate request
 * bodies with (converted to JSON Schema draft 2020-12, the dialect of
 * OpenAPI 3.1), the query-parameter lists the parsers accept, the error
 * table (`STATUS_BY_CODE`) and the response schemas of `openapi-schemas.ts`.
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
import { OPERATIONS, queryParameter, pathParameter, type OperationDoc } from './openapi-operations';
import * as responses from './openapi-schemas';
import { createTopicBody, produceBody, produceRecord, stringMap, updateTopicBody, IDEMPOTENCY_KEY } from './schemas';
import { commitBody, nackBody, pollBody, redriveBody } from './group-schemas';
import { createTokenBody } from './token-schemas';

type JsonObject = Record<string, unknown>;

/** Only the /v1 API is described here; other route families (the Upstash facade) follow other specifications. */
export const DESCRIBED_PREFIX = '/v1/';

export const describedRoutes = (): Route[] => ROUTES.filter((route) => route.path.startsWith(DESCRIBED_PREFIX));

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
  RedriveRequest: redriveBody,
  CreateTokenRequest: createTokenBody,
};

/** Response bodies by component name. */
const RESPONSE_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  Topic: responses.topic,
  TopicList: responses.topicList,
  ProduceResponse: responses.produceResponse,
  Record: responses.record,
  FetchResponse: responses.fetchResponse,
  DeliveredRecord: responses.deliveredRecord,
  PollResponse: responses.pollResponse,
  CommitResponse: responses.commitResponse,
  NackResponse: responses.nackResponse,
  GroupDescription: responses.groupDescription,
  DeadLetter: responses.deadLetter,
  DeadLetterList: responses.deadLetterList,
  RedriveResponse: responses.redriveResponse,
  TokenSummary: responses.tokenSummary,
  CreatedToken: responses.createdToken,
  TokenList: responses.tokenList,
  OpenApiDocument: responses.openApiDocument,
};

/** The JSON Schema keywords the zod conversion cannot produce, by schema identity. */
const ADDITIONS = new Map<z.ZodType, JsonObject>([
  [stringMap, { type: 'object', additionalProperties: { type: 'string' } }],
  [produceRecord, EXACTLY_ONE_VALUE],
  [responses.record, EXACTLY_ONE_VALUE],
  [responses.deliveredRecord, EXACTLY_ONE_VALUE],
  [responses.deadLetter, EXACTLY_ONE_VALUE],
  [updateTopicBody, { minProperties: 1 }],
]);

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'The request is invalid; the message names the field.',
  401: 'No token, or an unknown, revoked or malformed one.',
  403: 'The token lacks the permission on the topic.',
  404: 'No such route, topic, partition, group, dead letter or token.',
  409: 'Conflict: the topic exists, the consumer does not hold the lease, or the same Idempotency-Key is still running.',
  413: 'Over a limit: 500 records or 6,000,000 bytes per request, 1 MiB per record.',
  416: 'The offset is outside [startOffset, endOffset].',
  422: 'The Idempotency-Key was used before with another body.',
  429: 'Throttled; retry after the Retry-After header.',
  500: 'A bug: the message is a fixed sentence.',
  503: 'A transient failure; safe to retry.',
};

/** Statuses that carry `Retry-After`. */
const RETRY_AFTER = new Set([409, 429, 503]);

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

function errorComponents(): { schemas: Record<string, z.ZodType>; responses: JsonObject } {
  const schemas: Record<string, z.ZodType> = {};
  const out: JsonObject = {};
  for (const status of ERROR_STATUSES) {
    schemas[`Error${status}`] = responses.errorBody(status);
    out[`Error${status}`] = {
      description: STATUS_TEXT[status] ?? `Error ${status}.`,
      ...(RETRY_AFTER.has(status)
        ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 } } } }
        : {}),
      content: { 'application/json': { schema: { $ref: `#/components/schemas/Error${status}` } } },
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

function permissionText(route: Route): string {
  const action = route.action;
  if (action === 'none') return 'Any valid token.';
  const where = { path: 'the `{topic}` in the path', body: 'the topic named in the body', query: 'the `topic` query parameter', none: '`*` (every topic)' };
  return `Permission \`${action}\` on ${where[route.topicIn]}.`;
}

function operation(route: Route, doc: OperationDoc): JsonObject {
  const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
  const parameters = [
    ...names.map((name) => pathParameter(name, route)),
    ...(doc.query ?? []).map((name) => queryParameter(name, doc)),
    ...(doc.idempotencyKey
      ? [{ name: 'Idempotency-Key', in: 'header', required: false, description: 'Repeating a request with the same key within 24 h stores nothing new and returns the first response.', schema: { type: 'string', pattern: IDEMPOTENCY_KEY.source } }]
      : []),
  ];
  const success: JsonObject = { description: doc.success.description };
  if (doc.success.body) {
    success.content = { 'application/json': { schema: ref(componentName(doc.success.body, RESPONSE_SCHEMAS)) } };
  }
  const statuses = [...new Set([...(doc.errors ?? []), 401, 429, 500, 503])].sort((a, b) => a - b);
  return {
    operationId: route.operation,
    summary: doc.summary,
    description: `${doc.description ? `${doc.description}\n\n` : ''}${permissionText(route)}`,
    tags: [doc.tag],
    'x-tributary-permission': { action: route.action, topicIn: route.topicIn },
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.request
      ? { requestBody: { required: true, content: { 'application/json': { schema: ref(componentName(doc.request, REQUEST_SCHEMAS)) } } } }
      : {}),
    responses: {
      [String(doc.success.status)]: success,
      ...Object.fromEntries(statuses.map((status) => [String(status), { $ref: `#/components/responses/Error${status}` }])),
    },
  };
}

function paths(): JsonObject {
  const out: Record<string, JsonObject> = {};
  const documented = new Set(Object.keys(OPERATIONS));
  for (const route of describedRoutes()) {
    const doc = OPERATIONS[route.operation];
    if (!doc) throw new Error(`Route ${route.method} ${route.path} (${route.operation}) has no entry in OPERATIONS`);
    documented.delete(route.operation);
    out[route.path] = { ...out[route.path], [route.method.toLowerCase()]: operation(route, doc) };
  }
  if (documented.size > 0) throw new Error(`OPERATIONS describes operations no /v1 route has: ${[...documented].join(', ')}`);
  return out;
}

const DESCRIPTION = [
  'Tributary: a Kafka-like partitioned log and queue over HTTPS and JSON (topics, partitions, offsets, consumer groups with leases, dead letters).',
  'Every route needs `Authorization: Bearer <token>`; a token carries permissions per topic-name pattern. Every non-2xx response has the body `{"error": {"code", "message"}}`.',
  'Response objects list every field the server sends today; the API grows only by new optional fields and routes, so clients should ignore fields they do not know.',
  'The same deployment also serves an Upstash-Kafka-compatible REST facade under `/upstash/…` (see the README); it follows the Upstash specification and is not described here.',
].join('\n\n');

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
    tags: ['Topics', 'Records', 'Consumer groups', 'Dead letters', 'Tokens', 'Meta'].map((name) => ({ name })),
    paths: paths(),
    components: {
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer', bearerFormat: 'trb_<id>_<secret>', description: 'A Tributary token.' },
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
