/**
 * The local stand-in for API Gateway: a node:http server that routes with the
 * same route table as the deployed API, runs the same REQUEST authorizer
 * (with API Gateway's result cache), builds the same proxy events and invokes
 * the same Lambda handlers in-process.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { consoleResponse, isConsolePath } from '../lambdas/http/console-assets';
import { FUNCTIONS, findRoute, type HandlerName } from '../lambdas/http/routes';
import {
  authorizerEvent,
  evaluateAuthorizerResult,
  lambdaContext,
  methodArn,
  proxyEvent,
  toWireResponse,
  type AuthorizerContext,
  type RequestInfo,
} from './events';

/** A Lambda proxy handler as the handler modules export it. */
export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
/** A REQUEST authorizer as `lambdas/handlers/authorizer.ts` exports it. */
export type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

export interface LocalServerOptions {
  /** Returns the handler for a route; default: `import('../lambdas/handlers/<name>')`. */
  loadHandler?: (name: HandlerName) => Promise<ProxyHandler>;
  /** Returns the authorizer; default: `import('../lambdas/handlers/authorizer')`. */
  loadAuthorizer?: () => Promise<AuthorizerHandler>;
  /** How long an Allow result is reused per Authorization value (API Gateway default 300 s; ours 60 s; 0 = off). */
  authorizerCacheTtlMs?: number;
  /** Request body limit (API Gateway: 10 MB). */
  maxBodyBytes?: number;
  /** Lambda's synchronous invocation limit on the event and on the result (6 MB). */
  maxLambdaPayloadBytes?: number;
  /** Where errors go (default stderr). */
  log?: (line: string) => void;
  /** Also log one line per request. */
  accessLog?: boolean;
  /** The built web console served at `/console/` (default: console/dist; see console/build.ts). */
  consoleDir?: string;
}

const MB = 1024 * 1024;
/** Bodies this far over the limit are not drained; the connection is closed. */
const DRAIN_LIMIT_BYTES = 64 * MB;

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Loads a function's handler from the entry file the route table names (the file CDK bundles). */
async function importHandler(name: HandlerName | 'authorizer'): Promise<(...args: never[]) => Promise<unknown>> {
  const entry = FUNCTIONS[name].entry.replace(/\.ts$/, '');
  const mod = (await import(`../${entry}`)) as { handler?: unknown };
  if (typeof mod.handler !== 'function') throw new Error(`${entry} does not export a handler function`);
  return mod.handler as (...args: never[]) => Promise<unknown>;
}

/** Thrown to end a request with an API error body. */
class Reply extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string[]> = {},
  ) {
    super(message);
  }
}

/**
 * The gateway's own errors, with the status, code, message and headers that
 * lib/gateway-responses.ts configures on the deployed API (kept literal here
 * so the local server does not load aws-cdk-lib).
 */
const GATEWAY = {
  unauthorized: () =>
    new Reply(401, 'UNAUTHENTICATED', 'A valid bearer token is required (Authorization: Bearer <token>).', {
      'WWW-Authenticate': ['Bearer'],
    }),
  accessDenied: () => new Reply(403, 'FORBIDDEN', 'The token is not allowed to call this route.'),
  tooLarge: () => new Reply(413, 'PAYLOAD_TOO_LARGE', 'The request is larger than the API accepts.'),
  timeout: () =>
    new Reply(
      503,
      'UNAVAILABLE',
      'The request timed out; it may have taken effect. Retry (a produce request with the same Idempotency-Key).',
    ),
  authorizerFailure: () => new Reply(503, 'UNAVAILABLE', 'The service is temporarily unavailable; retry.'),
};

function send(res: ServerResponse, status: number, headers: Record<string, string[]>, body: Buffer): void {
  const out: Record<string, string[]> = { 'Content-Type': ['application/json'] };
  for (const [name, values] of Object.entries(headers)) {
    if (!['content-length', 'transfer-encoding', 'connection'].includes(name.toLowerCase())) {
      if (name.toLowerCase() === 'content-type') delete out['Content-Type'];
      out[name] = values;
    }
  }
  res.writeHead(status, { ...out, 'Content-Length': String(body.length) });
  res.end(body);
}

function sendError(res: ServerResponse, reply: Reply): void {
  send(res, reply.status, reply.headers, Buffer.from(JSON.stringify({ error: { code: reply.code, message: reply.message } })));
}

/** Reads the body; resolves undefined when it exceeds `limit` (after draining what is reasonable). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > DRAIN_LIMIT_BYTES) return resolve(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > DRAIN_LIMIT_BYTES) resolve(undefined);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Every value of a header in Node's `rawHeaders` (name, value, name, value…), matching the name in any case. */
export function rawHeaderValues(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === name) values.push(rawHeaders[i + 1] as string);
  }
  return values;
}

/** Rejects with the gateway's timeout reply when `work` takes longer than `ms`. */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(GATEWAY.timeout()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Creates the server (not yet listening). */
export function createLocalServer(options: LocalServerOptions = {}): Server {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const maxBody = options.maxBodyBytes ?? 10 * MB;
  const maxLambda = options.maxLambdaPayloadBytes ?? 6 * MB;
  const cacheTtl = options.authorizerCacheTtlMs ?? 60_000;
  const loadHandler = options.loadHandler ?? ((name: HandlerName) => importHandler(name) as Promise<ProxyHandler>);
  const loadAuthorizer = options.loadAuthorizer ?? (() => importHandler('authorizer') as Promise<AuthorizerHandler>);
  const authCache = new Map<string, { result: unknown; expiresAt: number }>();
  const consoleDir = options.consoleDir ?? join(__dirname, '..', 'console', 'dist');

  /** Runs (or reuses) the authorizer and applies its policy; resolves the proxy event's authorizer context. */
  async function authorize(
    req: RequestInfo,
    info: NonNullable<ReturnType<typeof findRoute>>,
    authorization: string,
  ): Promise<AuthorizerContext> {
    const started = Date.now();
    let result = authCache.get(authorization);
    if (!result || result.expiresAt <= started) {
      authCache.delete(authorization);
      let value: unknown;
      try {
        const authorizer = await loadAuthorizer();
        const event = authorizerEvent(req, info.route, info.pathParameters);
        value = await withTimeout(authorizer(event), FUNCTIONS.authorizer.timeoutSeconds * 1000);
      } catch (error) {
        // Exactly this message means 401; API Gateway treats any other failure as AUTHORIZER_FAILURE (5xx).
        if (error instanceof Error && error.message === 'Unauthorized') throw GATEWAY.unauthorized();
        log(`[${req.requestId}] authorizer failed (API Gateway answers 5xx, not 401): ${describe(error)}`);
        throw GATEWAY.authorizerFailure();
      }
      result = { result: value, expiresAt: started + cacheTtl };
      if (cacheTtl > 0) authCache.set(authorization, result);
    }
    const verdict = evaluateAuthorizerResult(result.result, methodArn(req.method, req.path));
    if (verdict.outcome === 'invalid') {
      log(`[${req.requestId}] authorizer returned an invalid result: ${verdict.reason}`);
      throw GATEWAY.authorizerFailure();
    }
    if (verdict.outcome === 'deny') throw GATEWAY.accessDenied();
    return { ...verdict.context, integrationLatency: Date.now() - started };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<number> {
    const receivedAt = Date.now();
    // Split by hand: `new URL('//x/y', base)` would read `x` as a host.
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const pathname = queryAt < 0 ? target : target.slice(0, queryAt);
    const method = req.method ?? 'GET';
    const body = await readBody(req, maxBody);
    if (!body) throw GATEWAY.tooLarge();
    // The web console: static, public (no authorizer), as on the deployed API.
    if (isConsolePath(pathname) && (method === 'GET' || method === 'HEAD')) {
      const page = consoleResponse(consoleDir, pathname);
      const headers = Object.fromEntries(Object.entries(page.headers).map(([k, v]) => [k, [v]]));
      send(res, page.statusCode, headers, method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(page.body));
      return page.statusCode;
    }
    const found = findRoute(method, pathname);
    if (!found) throw new Reply(404, 'NOT_FOUND', `No route matches ${method} ${pathname}.`);
    const info: RequestInfo = {
      method,
      path: pathname,
      query: queryAt < 0 ? '' : target.slice(queryAt + 1),
      rawHeaders: req.rawHeaders,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      body: body.length ? body.toString('utf8') : null,
      receivedAt,
      requestId,
    };
    // Every Authorization line, whatever the case of its name (Node's req.headers keeps only the
    // first): with more than one, the cache key and the authorizer's event could name different
    // tokens, so the request is refused, as the authorizer and the functions refuse it.
    const authorizations = rawHeaderValues(req.rawHeaders, 'authorization');
    if (authorizations.length > 1) throw GATEWAY.unauthorized();
    const authorization = authorizations[0];
    if (!authorization) throw GATEWAY.unauthorized();
    const authorizer = await authorize(info, found, authorization);

    const event = proxyEvent(info, found.route, found.pathParameters, authorizer);
    // No check of the Lambda event size here: API.md admits produce bodies up to 6 MB, and
    // docs/ARCHITECTURE.md ("Known limits") explains Lambda's 6 MB invocation payload.
    const name = found.route.handler;
    const spec = FUNCTIONS[name];
    const handler = await loadHandler(name);
    const context = lambdaContext(`tributary-${name}`, spec.memoryMb, spec.timeoutSeconds);
    const result = await withTimeout(handler(event, context), spec.timeoutSeconds * 1000);
    const wire = toWireResponse(result);
    if (!wire) throw new Error(`The ${name} handler returned a malformed proxy result`);
    if (Buffer.byteLength(JSON.stringify(result)) > maxLambda) {
      throw new Error(`The ${name} handler returned more than ${maxLambda} bytes (Lambda's response limit)`);
    }
    send(res, wire.statusCode, wire.headers, wire.body);
    return wire.statusCode;
  }

  return createServer((req, res) => {
    const started = Date.now();
    const requestId = randomUUID();
    const finish = (status: number) => {
      if (options.accessLog) log(`${req.method} ${req.url} ${status} ${Date.now() - started}ms`);
    };
    handle(req, res, requestId).then(finish, (error: unknown) => {
      let status = 500;
      if (error instanceof Reply) {
        status = error.status;
        if (status === 413 && !req.complete) res.setHeader('Connection', 'close');
        if (!res.headersSent) sendError(res, error);
      } else {
        log(`[${requestId}] ${req.method} ${req.url} failed: ${describe(error)}`);
        // Deployed, a crashed or malformed Lambda response is a gateway 5xx, mapped to 503 UNAVAILABLE.
        status = 503;
        if (!res.headersSent) sendError(res, new Reply(503, 'UNAVAILABLE', 'The service is temporarily unavailable; retry.'));
      }
      if (status === 413 && !req.complete) res.on('finish', () => req.destroy());
      finish(status);
    });
  });
}
