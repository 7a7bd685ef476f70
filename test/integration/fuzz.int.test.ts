/**
 * Property-based fuzzing of the HTTP API (fast-check) against the real local
 * stack: the in-process local server, DynamoDB Local and s3rver. Malformed,
 * oversized, deeply nested, wrongly typed and random bodies, query strings,
 * path segments and headers go to every route of lambdas/http/routes.ts
 * (read at run time, so new routes are fuzzed too), and the properties check:
 *   - never a 5xx; every non-2xx carries `{"error": {"code", "message"}}`
 *     with a non-empty message, a code matching the status, no stack trace;
 *   - known-invalid input gets the documented 400/401/404/413, naming the field;
 *   - rejected requests store nothing (end offsets, topic list, topic config,
 *     group state unchanged);
 *   - `__proto__` / `constructor` / `prototype` keys are inert data: the
 *     server runs in this process, so Object.prototype is checked after every test;
 *   - the service is still healthy at the end.
 *
 * Runs are reproducible: every property uses SEED (fast-check prints seed and
 * path on failure; re-run a single case with `{ seed, path }`).
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { STATUS_BY_CODE } from '../../lambdas/http/errors';
import { ROUTES, findRoute, type Route } from '../../lambdas/http/routes';
import { startTestStack, type TestStack } from '../support/backends';
import {
  CONSUMER_PATTERN,
  PROTOTYPE_MEMBER_NAMES,
  TOPIC_PATTERN,
  anyBody,
  arrayText,
  badAuthorization,
  bodySpecs,
  contentType,
  deepJson,
  headerValue,
  idempotencyKey,
  invalidBody,
  jsonText,
  objectText,
  pollutionObject,
  queryString,
  rawSegment,
  templateText,
  trimHeader,
  type BodySpec,
} from '../support/fuzz-arbitraries';

const SEED = 20_251_123;
/** fast-check options: fixed seed, modest runs, and a time cap so a failing property's shrinking stays bounded. */
function runs<T>(numRuns: number, extra: Partial<fc.Parameters<T>> = {}): fc.Parameters<T> {
  return { seed: SEED, numRuns, interruptAfterTimeLimit: 20_000, timeout: 15_000, ...extra };
}

// ---------------------------------------------------------------- a raw HTTP client

interface Sent {
  method: string;
  /** Path and query exactly as they go on the wire (not normalized, unlike fetch()). */
  path: string;
  body?: string | Buffer | undefined;
  headers?: ReadonlyArray<readonly [string, string]>;
  /** Authorization header value; default `Bearer <admin token>`; null sends none. */
  authorization?: string | null;
}

interface Got {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- properties inspect arbitrary JSON
  body: any;
}

let stack: TestStack;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** node:http rather than fetch(): fetch normalizes `..`, refuses bodies on GET and sets headers of its own. */
function send(req: Sent): Promise<Got> {
  const url = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const out = httpRequest({ host: url.hostname, port: url.port, method: req.method, path: req.path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    out.on('error', reject);
    out.setTimeout(25_000, () => out.destroy(new Error(`no answer to ${req.method} ${req.path.slice(0, 200)}`)));
    const authorization = req.authorization === undefined ? `Bearer ${stack.token}` : req.authorization;
    if (authorization !== null) out.setHeader('Authorization', authorization);
    for (const [name, value] of req.headers ?? []) out.setHeader(name, value);
    if (req.body !== undefined) {
      // Always framed: a GET with an unframed body would be read as the next request.
      out.setHeader('Content-Length', Buffer.byteLength(req.body));
      if (!(req.headers ?? []).some(([name]) => name.toLowerCase() === 'content-type')) out.setHeader('Content-Type', 'application/json');
      out.end(req.body);
    } else {
      out.end();
    }
  });
}

const get = (path: string) => send({ method: 'GET', path });
const post = (path: string, body: unknown) => send({ method: 'POST', path, body: JSON.stringify(body) });

/** What the request was, for failure messages (bodies cut short). */
function describeRequest(req: Sent): string {
  const body = req.body === undefined ? '' : ` body=${String(req.body).slice(0, 300)}`;
  return `${req.method} ${req.path.slice(0, 300)}${body}`;
}

// ---------------------------------------------------------------- assertions

const STACK_TRACE = /\n\s+at |node_modules|\.ts:\d+|\/work\/|\bat Object\.<anonymous>/;

/**
 * The code and message of an error body: `{"error": {"code", "message"}}`, or on
 * /upstash routes also the Upstash facade's `{"error": "<message>", "status", "code"}`
 * (gateway errors there keep the /v1 body). Undefined when the body is neither.
 */
function errorOf(res: Got, req: Sent): { code: string; message: string } | undefined {
  const error = res.body?.error;
  if (typeof error?.code === 'string' && typeof error.message === 'string') return error;
  const upstash = req.path.startsWith('/upstash/') && typeof error === 'string' && res.body.status === res.status;
  return upstash && typeof res.body.code === 'string' ? { code: res.body.code, message: error } : undefined;
}

/** The API's error body (see errorOf), code matching the status, message a sentence, no stack trace. */
function expectErrorBody(res: Got, req: Sent): void {
  const ctx = `${describeRequest(req)} → ${res.status} ${res.text.slice(0, 300)}`;
  const error = errorOf(res, req);
  if (!error) throw new Error(`no API error body: ${ctx}`);
  const { code, message } = error;
  if (message.trim() === '') throw new Error(`empty error message: ${ctx}`);
  if ((STATUS_BY_CODE as Record<string, number>)[code] !== res.status) throw new Error(`code ${code} does not go with status: ${ctx}`);
  if (STACK_TRACE.test(message) || STACK_TRACE.test(res.text) || 'stack' in res.body || (typeof res.body.error === 'object' && 'stack' in res.body.error)) {
    throw new Error(`stack trace in error body: ${ctx}`);
  }
}

/** Never a 5xx; any 4xx with the error body. */
function expectNo5xx(res: Got, req: Sent): void {
  if (res.status >= 500 || res.status < 200) {
    throw new Error(`expected no 5xx: ${describeRequest(req)} → ${res.status} ${res.text.slice(0, 300)}`);
  }
  if (res.status >= 400) expectErrorBody(res, req);
}

/** Exactly one of the given statuses (and codes, when given), with the error body. */
function expectRefused(res: Got, req: Sent, statuses: readonly number[], codes?: readonly string[]): void {
  const ctx = `${describeRequest(req)} → ${res.status} ${res.text.slice(0, 300)}`;
  if (!statuses.includes(res.status)) throw new Error(`expected ${statuses.join('/')}: ${ctx}`);
  expectErrorBody(res, req);
  if (codes && !codes.includes(errorOf(res, req)?.code ?? '')) throw new Error(`expected code ${codes.join('/')}: ${ctx}`);
}

// The server runs in this process: any pollution would show here.
const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype, Boolean.prototype];
const protoBaseline = PROTOTYPES.map((p) => Object.getOwnPropertyNames(p).sort().join(','));
const originals = { toString: Object.prototype.toString, hasOwnProperty: Object.prototype.hasOwnProperty, parse: JSON.parse };

function expectPrototypesUntouched(): void {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
  expect(Object.prototype.toString).toBe(originals.toString);
  expect(Object.prototype.hasOwnProperty).toBe(originals.hasOwnProperty);
  expect(JSON.parse).toBe(originals.parse);
  expect(PROTOTYPES.map((p) => Object.getOwnPropertyNames(p).sort().join(','))).toEqual(protoBaseline);
}

// ---------------------------------------------------------------- the stack's fixtures

/** Sandbox for the route-by-route properties (valid-by-chance requests land here). */
const FZ = 'fz-main';
/** Watched by the "stores nothing" properties: only rejected requests go to it. */
const STORE = 'fz-store';
const PATCHED = 'fz-patch';
const IDEM = 'fz-idem';
const ROUNDTRIP = 'fz-roundtrip';
const DEEP = 'fz-deep';
const LIMITS = 'fz-limits';
const ABSENT = 'fz-absent';
const GROUP = 'fz-group';
const EMPTY_GROUP = 'fz-group-empty';
const FIXTURE_TOPICS = [FZ, STORE, PATCHED, IDEM, ROUNDTRIP, DEEP, LIMITS];

const specs = bodySpecs({ topic: FZ, group: EMPTY_GROUP });
const storeSpecs = bodySpecs({ topic: STORE, group: EMPTY_GROUP });

let adminTokenId = '';
let freshCounter = 0;
/** A group name no request has used. */
const freshGroup = () => `fz-fresh-${Date.now().toString(36)}-${freshCounter++}`;

const routeKey = (route: Route) => `${route.method} ${route.path}`;
const paramNames = (route: Route) => [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
const isTokensRoute = (route: Route) => route.path.startsWith('/v1/tokens');

/** The body spec of a route, when this file knows it (the tokens route by its path, as its operation name may vary). */
function specOf(route: Route, from = specs): BodySpec | undefined {
  if (route.method === 'POST' && route.path === '/v1/tokens') return from.createToken;
  return from[route.operation];
}

/** The query parameters an operation accepts (others are a 400), when this file knows them. */
const ALLOWED_QUERY: Record<string, readonly string[]> = {
  fetch: ['offset', 'fromTimestamp', 'limit', 'waitMs'],
  describeGroup: ['topic'],
  leave: ['topic'],
  listDeadLetters: ['group', 'limit', 'cursor'],
  deleteDeadLetter: ['group'],
  upstashWebhook: ['topic'],
  describeShareGroup: ['topic'],
  deleteShareGroup: ['topic'],
};

/**
 * A valid request for each route, harmless to repeat: DELETE /v1/topics
 * names a topic that does not exist, redrive a group with no dead letters,
 * DELETE /v1/tokens a token id that does not exist.
 */
function validRequest(route: Route): { params: Record<string, string>; query: string; body: string | undefined } {
  const params: Record<string, string> = {};
  for (const name of paramNames(route)) {
    params[name] =
      {
        topic: route.operation === 'deleteTopic' ? ABSENT : FZ,
        partition: '0',
        group: GROUP,
        consumerId: 'fz-leaver',
        instance: 'fz-instance',
        position: 'latest',
        id: isTokensRoute(route) ? '0000000000000000' : '00000-0000000000000000-00000000',
      }[name] ?? 'x';
  }
  const query =
    {
      fetch: 'offset=0&limit=1',
      describeGroup: `topic=${FZ}`,
      leave: `topic=${FZ}`,
      listDeadLetters: `group=${GROUP}`,
      deleteDeadLetter: `group=${GROUP}`,
      upstashWebhook: `topic=${FZ}`,
      describeShareGroup: `topic=${FZ}`,
      deleteShareGroup: `topic=${FZ}`,
    }[route.operation] ?? '';
  const spec = specOf(route);
  let body = spec ? templateText(spec) : undefined;
  if (route.operation === 'createTopic') body = objectText([['name', '"fz-created-by-fuzz"'], ['partitions', '1']]);
  return { params, query, body };
}

function pathOf(route: Route, params: Record<string, string>, query = ''): string {
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? 'x');
  return query ? `${path}?${query}` : path;
}

/** True when the server's router would not find the route (empty segment, or percent-encoding decodeURIComponent refuses). */
function routeMiss(segment: string): boolean {
  if (segment === '') return true;
  try {
    decodeURIComponent(segment);
    return false;
  } catch {
    return true;
  }
}

/** Whether a decoded path parameter is valid for the API (undefined: this file does not know the rule). */
function paramValid(route: Route, name: string, value: string): boolean | undefined {
  if (isTokensRoute(route)) return name === 'id' ? /^[0-9a-f]{16}$/.test(value) : undefined;
  if (name === 'topic' || name === 'group') return TOPIC_PATTERN.test(value);
  if (name === 'consumerId' || name === 'instance') return CONSUMER_PATTERN.test(value);
  if (name === 'position') return value === 'earliest' || value === 'latest' || (/^\d{1,16}$/.test(value) && Number.isSafeInteger(Number(value)));
  if (name === 'partition') return /^\d{1,16}$/.test(value) && Number(value) <= 999;
  return undefined;
}

async function endOffsets(topic: string): Promise<number[]> {
  const res = await get(`/v1/topics/${topic}`);
  expect(res.status).toBe(200);
  return (res.body.partitions as Array<{ endOffset: number }>).map((p) => p.endOffset);
}

async function topicNames(): Promise<string[]> {
  const res = await get('/v1/topics');
  expect(res.status).toBe(200);
  return (res.body.topics as Array<{ name: string }>).map((t) => t.name).sort();
}

async function expectNoGroupState(group: string, context: string): Promise<void> {
  const res = await get(`/v1/groups/${group}?topic=${FZ}`);
  if (res.status !== 404 || res.body?.error?.code !== 'GROUP_NOT_FOUND') {
    throw new Error(`a rejected request left state for group '${group}': ${context} → describe says ${res.status} ${res.text.slice(0, 300)}`);
  }
}

beforeAll(async () => {
  stack = await startTestStack({ local: true });
  adminTokenId = /^trb_([0-9a-f]{16})_/.exec(stack.token)?.[1] ?? '';
  for (const [name, partitions] of [[FZ, 3], [STORE, 3], [PATCHED, 2], [IDEM, 1], [ROUNDTRIP, 1], [DEEP, 1], [LIMITS, 2]] as const) {
    expect((await post('/v1/topics', { name, partitions })).status).toBe(201);
  }
  for (const topic of [FZ, STORE, LIMITS]) {
    const produced = await post(`/v1/topics/${topic}/records`, { records: [0, 1, 2].map((partition) => ({ value: { seed: partition }, partition: partition % 2 })) });
    expect(produced.status).toBe(200);
  }
});

afterAll(async () => {
  agent.destroy();
  await stack?.stop();
});

afterEach(() => expectPrototypesUntouched());

// ================================================================= every route

describe.each(ROUTES.map((route) => [routeKey(route), route] as const))('%s', (_key, route) => {
  const params = paramNames(route);
  const valid = validRequest(route);

  it('answers random path segments with a clean 4xx (400 for invalid names, 404 when no route matches), never a 5xx', async () => {
    // Structural changes of the path that no route matches; wrong methods.
    const structural = fc
      .constantFrom<(p: string) => string>(
        (p) => `${p}/`,
        (p) => `/${p}`,
        // The first segment (/v1, /upstash) changed.
        (p) => p.replace(/^\/(\w+)\//, (_, first: string) => `/${first.toUpperCase()}/`),
        (p) => p.replace(/^\/\w+\//, '/v2/'),
        (p) => `${p}/fz-x/fz-y/fz-z`,
        (p) => p.replace(/^(\/\w+\/)/, '$1./'),
      )
      .map((change) => ({ kind: 'structural' as const, change }));
    const fuzzed =
      params.length === 0
        ? structural
        : fc.oneof(
            { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...params), rawSegment).map(([param, segment]) => ({ kind: 'param' as const, param, segment })) },
            { weight: 1, arbitrary: structural },
          );
    await fc.assert(
      fc.asyncProperty(fuzzed, async (f) => {
        let req: Sent;
        if (f.kind === 'structural') {
          req = { method: route.method, path: f.change(pathOf(route, valid.params)), body: valid.body };
          const res = await send(req);
          expectRefused(res, req, [404], ['NOT_FOUND']);
          return;
        }
        const decoded = routeMiss(f.segment) ? undefined : decodeURIComponent(f.segment);
        // Never aim a valid-by-chance DELETE at a fixture or at the admin token.
        fc.pre(decoded === undefined || (!FIXTURE_TOPICS.includes(decoded) && decoded !== adminTokenId));
        req = {
          method: route.method,
          path: pathOf(route, { ...valid.params, [f.param]: f.segment }, valid.query),
          body: valid.body,
        };
        const res = await send(req);
        expectNo5xx(res, req);
        if (decoded === undefined) expectRefused(res, req, [404], ['NOT_FOUND']);
        else if (paramValid(route, f.param, decoded) === false) expectRefused(res, req, [400], ['INVALID_REQUEST']);
      }),
      runs(params.length === 0 ? 10 : 25),
    );
  });

  it('answers a wrong HTTP method on its path with a clean 4xx', async () => {
    // Methods no route serves at this concrete path (DELETE …/dead-letters/redrive is a dead-letter id, say).
    const concrete = pathOf(route, valid.params);
    const others = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].filter((m) => !findRoute(m, concrete));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...others), anyBody, async (method, body) => {
        const req: Sent = { method, path: pathOf(route, valid.params, valid.query), body };
        const res = await send(req);
        expectRefused(res, req, [404, 405]);
      }),
      runs(5),
    );
  });

  it('answers random query strings (unknown, repeated, huge, negative, NaN, 1e309) with a 4xx or a 2xx, never a 5xx', async () => {
    const allowed = ALLOWED_QUERY[route.operation];
    await fc.assert(
      fc.asyncProperty(queryString, fc.boolean(), async (query, keepValid) => {
        const full = keepValid && valid.query ? `${valid.query}&${query}` : query;
        const req: Sent = { method: route.method, path: pathOf(route, valid.params, full), body: valid.body };
        const res = await send(req);
        expectNo5xx(res, req);
        const names = [...new URLSearchParams(full).keys()];
        if (allowed && names.some((n) => !allowed.includes(n))) expectRefused(res, req, [400], ['INVALID_REQUEST']);
      }),
      runs(20),
    );
  });

  it('answers random bodies and content types with a 4xx or a 2xx, never a 5xx (400 for a body that is not JSON)', async () => {
    const needsBody = specOf(route) !== undefined;
    await fc.assert(
      fc.asyncProperty(anyBody, contentType, async (body, type) => {
        const req: Sent = {
          method: route.method,
          path: pathOf(route, valid.params, valid.query),
          body,
          headers: type ? [['Content-Type', type]] : [],
        };
        const res = await send(req);
        expectNo5xx(res, req);
        if (needsBody) {
          const text = body === undefined ? '' : Buffer.isBuffer(body) ? body.toString('utf8') : body;
          let parses = text.trim() !== '';
          try {
            JSON.parse(text);
          } catch {
            parses = false;
          }
          if (!parses) expectRefused(res, req, [400], ['INVALID_REQUEST']);
        }
      }),
      runs(20),
    );
  });

  it('refuses a missing or invalid Authorization header with 401 UNAUTHENTICATED before looking at the request', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(badAuthorization(stack.token), { nil: null }), anyBody, async (authorization, body) => {
        const req: Sent = { method: route.method, path: pathOf(route, valid.params, valid.query), body, authorization };
        const res = await send(req);
        expectRefused(res, req, [401], ['UNAUTHENTICATED']);
      }),
      runs(8),
    );
  });
});

describe('names that Object.prototype already has', () => {
  const requests = ROUTES.map((route) => ({ route, ...validRequest(route) }));

  it('answers query parameters named like Object.prototype members (__proto__, constructor, toString …) with a 4xx or a 2xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...requests), fc.constantFrom(...PROTOTYPE_MEMBER_NAMES), fc.constantFrom('', '1', 'x'), async (r, name, value) => {
        const query = r.query ? `${r.query}&${name}=${value}` : `${name}=${value}`;
        const req: Sent = { method: r.route.method, path: pathOf(r.route, r.params, query), body: r.body };
        const res = await send(req);
        expectNo5xx(res, req);
        if (ALLOWED_QUERY[r.route.operation]) expectRefused(res, req, [400], ['INVALID_REQUEST']);
      }),
      runs(30),
    );
  });

  it('answers HTTP headers named like Object.prototype members with a 4xx or a 2xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...requests), fc.constantFrom(...PROTOTYPE_MEMBER_NAMES), headerValue, async (r, name, value) => {
        const req: Sent = { method: r.route.method, path: pathOf(r.route, r.params, r.query), body: r.body, headers: [[name, value]] };
        const res = await send(req);
        expectNo5xx(res, req);
      }),
      runs(30),
    );
  });
});

// ================================================================= known-invalid bodies

const BODY_ROUTES = ROUTES.filter((route) => specOf(route) !== undefined);

describe('known-invalid bodies', () => {
  it.each(BODY_ROUTES.map((route) => [routeKey(route), route] as const))(
    '%s refuses a missing field, a wrongly typed or out-of-range field, an unknown field or a non-object with 400 naming the field',
    async (_key, route) => {
      const valid = validRequest(route);
      await fc.assert(
        fc.asyncProperty(invalidBody(specOf(route) as BodySpec), async (invalid) => {
          const req: Sent = { method: route.method, path: pathOf(route, valid.params, valid.query), body: invalid.text };
          const res = await send(req);
          expectRefused(res, req, [400], ['INVALID_REQUEST']);
          // API.md: "the message names the field".
          if (!(errorOf(res, req)?.message ?? '').includes(invalid.field)) {
            throw new Error(`message does not name '${invalid.field}': ${describeRequest(req)} → ${res.text}`);
          }
        }),
        runs(30),
      );
    },
  );

  it('reports a present but wrongly typed field as wrongly typed, never as "is required"', async () => {
    const cases = fc
      .constantFrom(...BODY_ROUTES)
      .chain((route) => invalidBody(specOf(route) as BodySpec).map((invalid) => ({ route, invalid })))
      .filter(({ invalid }) => invalid.kind === 'wrong-type-or-value');
    await fc.assert(
      fc.asyncProperty(cases, async ({ route, invalid }) => {
        const valid = validRequest(route);
        const req: Sent = { method: route.method, path: pathOf(route, valid.params, valid.query), body: invalid.text };
        const res = await send(req);
        expectRefused(res, req, [400], ['INVALID_REQUEST']);
        // The field itself is present: the message may not call *it* missing (a field nested
        // inside it, such as permissions[0].actions, may really be missing).
        const message = errorOf(res, req)?.message;
        if (message === `${invalid.field}: is required`) {
          throw new Error(`'${invalid.field}' is present (${invalid.text.slice(0, 200)}) but the message says: ${message}`);
        }
      }),
      runs(30),
    );
  });
});

// ================================================================= rejected requests store nothing

describe('rejected requests store nothing', () => {
  const produceRoute = ROUTES.find((r) => r.operation === 'produce') as Route;

  it('leaves every partition end offset unchanged after invalid produce requests (bad bodies, a poisoned record in a valid batch, partitions out of range, bad Idempotency-Keys)', async () => {
    const goodRecord = (i: number) => `{"key":"k${i}","value":{"i":${i}}}`;
    const rejected = fc.oneof(
      invalidBody(storeSpecs.produce as BodySpec).map((invalid) => ({ text: invalid.text, headers: [] as Array<[string, string]>, statuses: [400] })),
      // One poisoned record among valid ones: the whole request is refused.
      fc
        .tuple(invalidBody((storeSpecs.produce as BodySpec).fields[0]!.element as BodySpec, 'records[0].'), fc.nat({ max: 20 }), fc.nat({ max: 20 }))
        .map(([poison, before, after]) => ({
          text: `{"records":${arrayText([...Array.from({ length: before }, (_, i) => goodRecord(i)), poison.text, ...Array.from({ length: after }, (_, i) => goodRecord(i))])}}`,
          headers: [] as Array<[string, string]>,
          statuses: [400],
        })),
      // Valid for the schema, not for this 3-partition topic.
      fc.tuple(fc.integer({ min: 3, max: 100_000 }), fc.nat({ max: 10 })).map(([partition, valid]) => ({
        text: `{"records":${arrayText([...Array.from({ length: valid }, (_, i) => goodRecord(i)), `{"value":1,"partition":${partition}}`])}}`,
        headers: [] as Array<[string, string]>,
        statuses: [400],
      })),
      idempotencyKey
        .filter((key) => !/^[\x21-\x7e]{1,255}$/.test(trimHeader(key)))
        .map((key) => ({ text: '{"records":[{"value":1}]}', headers: [['Idempotency-Key', key]] as Array<[string, string]>, statuses: [400] })),
      fc.integer({ min: 501, max: 1200 }).map((n) => ({
        text: `{"records":${arrayText(Array.from({ length: n }, () => '{"value":0}'))}}`,
        headers: [] as Array<[string, string]>,
        statuses: [413],
      })),
    );
    const before = await endOffsets(STORE);
    await fc.assert(
      fc.asyncProperty(rejected, async (r) => {
        const req: Sent = { method: 'POST', path: pathOf(produceRoute, { topic: STORE }), body: r.text, headers: r.headers };
        const res = await send(req);
        expectRefused(res, req, r.statuses);
        const now = await endOffsets(STORE);
        if (JSON.stringify(now) !== JSON.stringify(before)) throw new Error(`stored something: ${describeRequest(req)} → ends ${before} became ${now}`);
      }),
      runs(40),
    );
  });

  it('creates no topic for invalid create requests (and none for a name that exists)', async () => {
    const before = await topicNames();
    const rejected = fc.oneof(
      invalidBody(specs.createTopic as BodySpec).map((invalid) => ({ text: invalid.text, statuses: [400] })),
      fc.constantFrom(...FIXTURE_TOPICS).map((name) => ({ text: JSON.stringify({ name, partitions: 7 }), statuses: [409] })),
      anyBody
        .filter((body) => {
          try {
            const parsed = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : (body ?? '')) as Record<string, unknown>;
            return !(parsed && typeof parsed === 'object' && 'name' in parsed && 'partitions' in parsed);
          } catch {
            return true;
          }
        })
        .map((body) => ({ text: body, statuses: [400] })),
    );
    await fc.assert(
      fc.asyncProperty(rejected, async (r) => {
        const req: Sent = { method: 'POST', path: '/v1/topics', body: r.text };
        const res = await send(req);
        expectRefused(res, req, r.statuses);
        const now = await topicNames();
        if (JSON.stringify(now) !== JSON.stringify(before)) throw new Error(`topics changed: ${describeRequest(req)} → ${before} became ${now}`);
      }),
      runs(30),
    );
  });

  it('deletes no topic for invalid or unknown topic names', async () => {
    const before = await topicNames();
    await fc.assert(
      fc.asyncProperty(rawSegment, async (segment) => {
        const decoded = routeMiss(segment) ? undefined : decodeURIComponent(segment);
        fc.pre(decoded === undefined || !before.includes(decoded));
        const req: Sent = { method: 'DELETE', path: `/v1/topics/${segment}` };
        const res = await send(req);
        expectRefused(res, req, [400, 404]);
        expect(await topicNames()).toEqual(before);
      }),
      runs(20),
    );
  });

  it('leaves a topic’s configuration unchanged after invalid changes (bad bodies, fewer partitions)', async () => {
    const described = async () => {
      const res = await get(`/v1/topics/${PATCHED}`);
      expect(res.status).toBe(200);
      return JSON.stringify({ config: res.body.config, partitions: res.body.partitions });
    };
    const before = await described();
    const rejected = fc.oneof(
      invalidBody(specs.updateTopic as BodySpec).map((i) => i.text),
      fc.constantFrom('{"partitions":1}', '{"partitions":1,"retentionMs":5}'),
    );
    await fc.assert(
      fc.asyncProperty(rejected, async (text) => {
        const req: Sent = { method: 'PATCH', path: `/v1/topics/${PATCHED}`, body: text };
        const res = await send(req);
        expectRefused(res, req, [400], ['INVALID_REQUEST']);
        const now = await described();
        if (now !== before) throw new Error(`topic changed: ${describeRequest(req)} → ${before} became ${now}`);
      }),
      runs(25),
    );
  });

  it('creates no group state for rejected polls, commits, nacks and leaves', async () => {
    const op = (name: string) => ROUTES.find((r) => r.operation === name) as Route;
    type Rejection = { route: Route; text?: string; consumer?: string; query?: string; statuses: number[] };
    const rejected: fc.Arbitrary<Rejection> = fc.oneof(
      ...(['poll', 'commit', 'nack'] as const).map((name) =>
        invalidBody(specs[name] as BodySpec).map((i): Rejection => ({ route: op(name), text: i.text, statuses: [400] })),
      ),
      // Valid shapes the store refuses: not the lease holder, no such partition, no such topic, offset past the end.
      fc.constantFrom<Rejection>(
        { route: op('commit'), text: `{"topic":"${FZ}","consumerId":"c","offsets":[{"partition":0,"offset":1}]}`, statuses: [409] },
        { route: op('commit'), text: `{"topic":"${FZ}","consumerId":"c","offsets":[{"partition":7,"offset":1}]}`, statuses: [404] },
        { route: op('nack'), text: `{"topic":"${FZ}","consumerId":"c","partition":0,"offset":0}`, statuses: [409] },
        { route: op('nack'), text: `{"topic":"${FZ}","consumerId":"c","partition":0,"offset":999999}`, statuses: [416, 409] },
        { route: op('nack'), text: `{"topic":"${FZ}","consumerId":"c","partition":9,"offset":0}`, statuses: [404] },
        { route: op('poll'), text: `{"topic":"${ABSENT}","consumerId":"c"}`, statuses: [404] },
        { route: op('leave'), consumer: 'c', query: `topic=${FZ}`, statuses: [404] },
        { route: op('leave'), consumer: 'c', query: `topic=${FZ}&x=1`, statuses: [400] },
        { route: op('leave'), consumer: '%00', query: `topic=${FZ}`, statuses: [400] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(rejected, async (r) => {
        const group = freshGroup();
        const req: Sent = { method: r.route.method, path: pathOf(r.route, { group, consumerId: r.consumer ?? 'c' }, r.query), body: r.text };
        const res = await send(req);
        expectRefused(res, req, r.statuses);
        await expectNoGroupState(group, describeRequest(req));
      }),
      runs(30),
    );
  });

  it('appends nothing for invalid redrive requests', async () => {
    const before = await endOffsets(STORE);
    await fc.assert(
      fc.asyncProperty(invalidBody(storeSpecs.redrive as BodySpec), async (invalid) => {
        const req: Sent = { method: 'POST', path: `/v1/topics/${STORE}/dead-letters/redrive`, body: invalid.text };
        const res = await send(req);
        expectRefused(res, req, [400], ['INVALID_REQUEST']);
        expect(await endOffsets(STORE)).toEqual(before);
      }),
      runs(20),
    );
  });
});

// ================================================================= limits

describe('limits of API.md, enforced before any store call', () => {
  it('refuses more than 500 records with 413, even for a topic that does not exist, and stores nothing', async () => {
    const before = await endOffsets(LIMITS);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 501, max: 2000 }), fc.constantFrom(LIMITS, ABSENT), async (count, topic) => {
        const req: Sent = { method: 'POST', path: `/v1/topics/${topic}/records`, body: `{"records":${arrayText(Array.from({ length: count }, (_, i) => `{"value":${i}}`))}}` };
        expectRefused(await send(req), req, [413], ['PAYLOAD_TOO_LARGE']);
        expect(await endOffsets(LIMITS)).toEqual(before);
      }),
      runs(10),
    );
  });

  it('refuses a record over 1 MiB (key, value and headers together) with 413 and stores nothing; exactly 1 MiB is accepted', async () => {
    const MiB = 1024 * 1024;
    const before = await endOffsets(LIMITS);
    const build = (key: number, value: number, header: number) =>
      // value as a JSON string: its stored size is its length + 2 quotes; the header counts name + value.
      JSON.stringify({ records: [{ key: 'k'.repeat(key), value: 'v'.repeat(value - 2), headers: { h: 'x'.repeat(header - 1) }, partition: 0 }] });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 64 }), fc.nat({ max: MiB }), fc.nat({ max: MiB }), fc.constantFrom(LIMITS, ABSENT), async (over, a, b, topic) => {
        const [lo, hi] = a < b ? [a, b] : [b, a];
        const total = MiB + over;
        const key = Math.min(lo, total - 3);
        const header = Math.max(1, Math.min(hi - lo, total - key - 2));
        const value = total - key - header;
        const req: Sent = { method: 'POST', path: `/v1/topics/${topic}/records`, body: build(key, value, header) };
        expectRefused(await send(req), req, [413], ['PAYLOAD_TOO_LARGE']);
        expect(await endOffsets(LIMITS)).toEqual(before);
      }),
      runs(8),
    );
    const exact = await send({ method: 'POST', path: `/v1/topics/${LIMITS}/records`, body: build(100, MiB - 200, 100) });
    expect(exact.status).toBe(200);
  });

  it('refuses a produce request over 6 MB with 413 and a request over 10 MB at the gateway, storing nothing', async () => {
    const before = await endOffsets(LIMITS);
    const record = `{"value":"${'x'.repeat(1_000_000)}"}`;
    for (const body of [`{"records":${arrayText(Array.from({ length: 6 }, () => record))}}`, 'x'.repeat(11 * 1024 * 1024)]) {
      const req: Sent = { method: 'POST', path: `/v1/topics/${LIMITS}/records`, body };
      expectRefused(await send(req), req, [413], ['PAYLOAD_TOO_LARGE']);
    }
    expect(await endOffsets(LIMITS)).toEqual(before);
  });
});

// ================================================================= prototype pollution

describe('prototype-pollution keys are inert data', () => {
  it('leaves Object.prototype untouched whatever __proto__ / constructor / prototype keys the bodies of every route carry', async () => {
    const routes = ROUTES.map((route) => ({ route, ...validRequest(route) }));
    const placement = fc.constantFrom('whole body', 'extra field', 'record value', 'record headers', 'record field', 'field value');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), placement, fc.oneof(pollutionObject, jsonText()), async (r, where, payload) => {
        let body: string;
        const template = r.body ?? '{}';
        if (where === 'whole body') body = payload;
        else if (where === 'record value') body = `{"records":[{"value":${payload}}]}`;
        else if (where === 'record headers') body = `{"records":[{"value":1,"headers":${payload}}]}`;
        else if (where === 'record field') body = `{"records":[{"value":1,"__proto__":${payload}}]}`;
        else if (where === 'field value') body = template.replace(/:("[^"]*"|\d+)/, `:${payload}`);
        else body = template.replace(/^\{/, `{"__proto__":${payload},"constructor":{"prototype":${payload}},`).replace(/,\}$/, '}');
        const req: Sent = { method: r.route.method, path: pathOf(r.route, r.params, r.query), body };
        const res = await send(req);
        expectNo5xx(res, req);
        expectPrototypesUntouched();
      }),
      runs(50),
    );
  });

  it('stores record values with __proto__ / constructor / prototype keys and reads them back unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(pollutionObject, jsonText()), async (value) => {
        const req: Sent = { method: 'POST', path: `/v1/topics/${ROUNDTRIP}/records`, body: `{"records":[{"value":${value}}]}` };
        const res = await send(req);
        if (res.status !== 200) throw new Error(`expected 200: ${describeRequest(req)} → ${res.status} ${res.text.slice(0, 300)}`);
        const offset = res.body.results[0].offset as number;
        const fetched = await get(`/v1/topics/${ROUNDTRIP}/partitions/0/records?offset=${offset}&limit=1`);
        expect(fetched.status).toBe(200);
        // JSON.parse keeps __proto__ as an own key on both sides, so the texts compare exactly.
        expect(JSON.stringify(fetched.body.records[0].value)).toBe(JSON.stringify(JSON.parse(value)));
        expectPrototypesUntouched();
      }),
      runs(20),
    );
  });

  it('stores record headers named __proto__, constructor or prototype as plain data and reads them back (fetch and poll)', async () => {
    const headerMap = fc.uniqueArray(
      fc.tuple(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString'), fc.string({ maxLength: 8 })), fc.string({ maxLength: 20 })),
      { minLength: 1, maxLength: 5, selector: ([name]) => name },
    );
    const group = freshGroup();
    const plain = await send({ method: 'POST', path: `/v1/topics/${ROUNDTRIP}/records`, body: '{"records":[{"value":1,"headers":{"__proto__":"x","constructor":"y","prototype":"z"}}]}' });
    expect(plain.status).toBe(200);
    await fc.assert(
      fc.asyncProperty(headerMap, async (entries) => {
        const text = objectText(entries.map(([k, v]) => [k, JSON.stringify(v)]));
        const req: Sent = { method: 'POST', path: `/v1/topics/${ROUNDTRIP}/records`, body: `{"records":[{"value":1,"headers":${text}}]}` };
        const res = await send(req);
        if (res.status !== 200) throw new Error(`expected 200: ${describeRequest(req)} → ${res.status} ${res.text}`);
        const offset = res.body.results[0].offset as number;
        const fetched = await get(`/v1/topics/${ROUNDTRIP}/partitions/0/records?offset=${offset}&limit=1`);
        const headers = fetched.body.records[0].headers as Record<string, unknown>;
        // Sorted: a JS object puts integer-like keys first, whatever the order sent.
        const byName = (x: [string, unknown], y: [string, unknown]) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0);
        expect(Object.entries(headers).sort(byName)).toEqual([...entries].sort(byName));
        expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
        expectPrototypesUntouched();
      }),
      runs(15),
    );
    // A consumer group sees the same headers (the poll path presents records too).
    const polled = await post(`/v1/groups/${group}/poll`, { topic: ROUNDTRIP, consumerId: 'fz-c', maxRecords: 1000 });
    expect(polled.status).toBe(200);
    const first = (polled.body.records as Array<{ offset: number; headers: Record<string, unknown> }>).find((r) => r.offset === plain.body.results[0].offset);
    expect(first && Object.entries(first.headers)).toEqual([['__proto__', 'x'], ['constructor', 'y'], ['prototype', 'z']]);
  });
});

// ================================================================= deep nesting

describe('deeply nested JSON', () => {
  const kinds = fc.constantFrom('array' as const, 'object' as const, 'mixed' as const, 'proto' as const);
  const depth = fc.oneof(fc.constantFrom(10, 100, 1000, 4096, 4097, 10_000, 50_000), fc.integer({ min: 1, max: 20_000 }));
  const places = fc.constantFrom(
    'record value',
    'whole produce body',
    'record headers',
    'topic name',
    'poll field',
    'commit offsets',
    'redrive ids',
    'patch field',
  );

  it('answers nesting of any depth anywhere with a 2xx or a clean 4xx, and reads back what it stored', async () => {
    await fc.assert(
      fc.asyncProperty(depth, kinds, places, async (d, kind, place) => {
        const nested = deepJson(d, kind);
        const req: Sent = (
          {
            'record value': { method: 'POST', path: `/v1/topics/${DEEP}/records`, body: `{"records":[{"value":${nested}}]}` },
            'whole produce body': { method: 'POST', path: `/v1/topics/${DEEP}/records`, body: nested },
            'record headers': { method: 'POST', path: `/v1/topics/${DEEP}/records`, body: `{"records":[{"value":1,"headers":${nested}}]}` },
            'topic name': { method: 'POST', path: '/v1/topics', body: `{"name":${nested},"partitions":1}` },
            'poll field': { method: 'POST', path: `/v1/groups/${GROUP}/poll`, body: `{"topic":"${FZ}","consumerId":${nested}}` },
            'commit offsets': { method: 'POST', path: `/v1/groups/${GROUP}/commit`, body: `{"topic":"${FZ}","consumerId":"c","offsets":${nested}}` },
            'redrive ids': { method: 'POST', path: `/v1/topics/${FZ}/dead-letters/redrive`, body: `{"group":"g","ids":${nested}}` },
            'patch field': { method: 'PATCH', path: `/v1/topics/${DEEP}`, body: `{"retentionMs":${nested}}` },
          } as Record<string, Sent>
        )[place] as Sent;
        const res = await send(req);
        expectNo5xx(res, req);
        if (place !== 'record value') {
          expectRefused(res, req, [400], ['INVALID_REQUEST']);
        } else if (res.status === 200) {
          const { partition, offset } = res.body.results[0] as { partition: number; offset: number };
          const fetched = await get(`/v1/topics/${DEEP}/partitions/${partition}/records?offset=${offset}&limit=1`);
          expectNo5xx(fetched, { method: 'GET', path: `fetch of ${describeRequest(req)}` });
          expect(fetched.status).toBe(200);
          // Compared as text: JSON.stringify in this process has the same depth limit as the server's.
          expect(fetched.text.includes(`"value":${nested}`)).toBe(true);
        }
        expectPrototypesUntouched();
      }),
      runs(25),
    );
  });
});

// ================================================================= Idempotency-Key

describe('Idempotency-Key', () => {
  it('accepts 1 to 255 printable ASCII characters (stored once, replayed after), refuses anything else with 400 and stores nothing', async () => {
    const seen = new Map<string, string>();
    await fc.assert(
      fc.asyncProperty(idempotencyKey, async (key) => {
        const asSeen = trimHeader(key);
        const acceptable = /^[\x21-\x7e]{1,255}$/.test(asSeen);
        // The same key always comes with the same body, so a repeat is a replay, never a conflict.
        const body = JSON.stringify({ records: [{ value: { key: asSeen } }] });
        const before = (await endOffsets(IDEM))[0] as number;
        const req: Sent = { method: 'POST', path: `/v1/topics/${IDEM}/records`, body, headers: [['Idempotency-Key', key]] };
        const first = await send(req);
        if (!acceptable) {
          expectRefused(first, req, [400], ['INVALID_REQUEST']);
          expect((first.body.error.message as string).includes('Idempotency-Key')).toBe(true);
          expect((await endOffsets(IDEM))[0]).toBe(before);
          return;
        }
        if (first.status !== 200) throw new Error(`expected 200: ${describeRequest(req)} [key ${JSON.stringify(key)}] → ${first.status} ${first.text}`);
        const replay = await send(req);
        expect(replay.status).toBe(200);
        expect(replay.body).toEqual(first.body);
        const grew = ((await endOffsets(IDEM))[0] as number) - before;
        if (seen.has(asSeen)) {
          // A key seen in an earlier run: the first response again (key order aside), nothing stored.
          expect(first.body).toEqual(JSON.parse(seen.get(asSeen) as string));
          expect(grew).toBe(0);
        } else {
          seen.set(asSeen, first.text);
          expect(first.body.results).toEqual([{ partition: 0, offset: before }]);
          expect(grew).toBe(1);
        }
      }),
      runs(30),
    );
  });

  it('refuses a reused key with a different body and stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[\x21-\x7e]{1,64}$/), fc.jsonValue(), fc.jsonValue(), async (key, a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        const headers: Array<[string, string]> = [['Idempotency-Key', `reuse-${key}`]];
        const first = await send({ method: 'POST', path: `/v1/topics/${IDEM}/records`, body: JSON.stringify({ records: [{ value: a }] }), headers });
        fc.pre(first.status === 200 && first.body.results[0].offset === (await endOffsets(IDEM))[0]! - 1);
        const before = await endOffsets(IDEM);
        const req: Sent = { method: 'POST', path: `/v1/topics/${IDEM}/records`, body: JSON.stringify({ records: [{ value: b }] }), headers };
        const res = await send(req);
        expectRefused(res, req, [409, 422]);
        expect(await endOffsets(IDEM)).toEqual(before);
      }),
      runs(10),
    );
  });
});

// ================================================================= dead-letter inputs that reach the store

describe('dead-letter inputs that reach the store', () => {
  it('refuses a list cursor this API did not issue with a 4xx, never a 5xx', async () => {
    const foreignCursor = fc.oneof(
      fc.string({ maxLength: 40 }).map((sk) => Buffer.from(JSON.stringify({ sk }), 'utf8').toString('base64url')),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url')),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,200}$/),
    );
    await fc.assert(
      fc.asyncProperty(foreignCursor, fc.option(fc.constantFrom(GROUP, 'g'), { nil: undefined }), async (cursor, group) => {
        fc.pre(cursor.length > 0);
        const req: Sent = { method: 'GET', path: `/v1/topics/${FZ}/dead-letters?${group ? `group=${group}&` : ''}cursor=${cursor}` };
        expectNo5xx(await send(req), req);
      }),
      runs(25),
    );
  });

  it('answers a delete of a dead letter with any id, however long, with 404 NOT_FOUND or 400, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.integer({ min: 1, max: 3000 }).map((n) => 'i'.repeat(n)), rawSegment), async (id) => {
        fc.pre(!routeMiss(id));
        const req: Sent = { method: 'DELETE', path: `/v1/topics/${FZ}/dead-letters/${id}?group=${GROUP}` };
        const res = await send(req);
        if (res.status >= 500) throw new Error(`an id of ${id.length} characters: ${describeRequest(req).slice(0, 120)}… → ${res.status} ${res.text}`);
        expectRefused(res, req, [400, 404]);
      }),
      runs(20),
    );
  });
});

// ================================================================= afterwards

describe('after the fuzzing', () => {
  it('still produces and fetches a record, and Object.prototype is as it was', async () => {
    const produced = await send({
      method: 'POST',
      path: `/v1/topics/${FZ}/records`,
      body: '{"records":[{"key":"health","value":{"ok":true},"headers":{"__proto__":"x"},"partition":2}]}',
    });
    expect(produced.status).toBe(200);
    const { offset } = produced.body.results[0] as { offset: number };
    const fetched = await get(`/v1/topics/${FZ}/partitions/2/records?offset=${offset}&limit=1`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.records[0]).toMatchObject({ partition: 2, offset, key: 'health', value: { ok: true } });
    expect(Object.entries(fetched.body.records[0].headers)).toEqual([['__proto__', 'x']]);
    const listed = await topicNames();
    expect(listed).toEqual(expect.arrayContaining(FIXTURE_TOPICS));
    expectPrototypesUntouched();
  });
});
