/**
 * The middy stack every HTTP handler shares: logging context, correlation
 * id, tracing and metrics (`../observability/middleware.ts`), header
 * normalization, the identity checked by the authorizer, the permission the
 * route table names for the route, the capacity meter, and error mapping
 * (in `errors.ts`). A handler file only lists its operations.
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { authorize, authorizeAny, credentialsOf, type Identity, type Permission } from '../core/auth';
import { RouteNotFoundError, TributaryError, UnauthenticatedError } from '../core/errors';
import { observability } from '../observability/middleware';
import { getRuntime } from '../runtime';
import { CapacityMeter, withMeter } from '../observability/capacity-meter';
import { singleAuthorization } from './authorization';
import { errorResponse, JSON_HEADERS } from './errors';
import { logger } from './logger';
import { ROUTES, type Action, type Route } from './routes';

/** What an operation sees of a request: no API Gateway types. */
export interface HttpRequest {
  readonly route: Route;
  readonly pathParameters: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string | null;
  readonly identity: Identity;
  readonly context: Context;
  /**
   * Checks the route's permission (or `action`) on a topic named in the body
   * or query; routes with the topic in the path are checked before the
   * operation runs.
   */
  authorizeTopic(topic: string, action?: Action): void;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export type Operation = (request: HttpRequest) => Promise<HttpResponse>;

/** The identity the authorizer put into the request context, if any. */
function contextIdentity(event: APIGatewayProxyEvent): Identity | undefined {
  const authorizer = event.requestContext?.authorizer as Record<string, unknown> | null | undefined;
  const tokenId = authorizer?.tokenId;
  const permissions = authorizer?.permissions;
  if (typeof tokenId !== 'string' || typeof permissions !== 'string') return undefined;
  return { tokenId, name: String(authorizer?.name ?? ''), permissions: JSON.parse(permissions) as Permission[] };
}

/** Reads the identity the authorizer put into the request context; throws UnauthenticatedError when there is none. */
export function identityFrom(event: APIGatewayProxyEvent): Identity {
  const identity = contextIdentity(event);
  if (!identity) throw new UnauthenticatedError();
  return identity;
}

/**
 * The caller's identity: the authorizer's, from the request context; or, in
 * function-side auth mode only (`config.authMode === 'function'`, no API
 * Gateway authorizer), the bearer (or Basic) token checked here, with the
 * same 60 s cache bound. In the default mode a missing identity is never
 * trusted: 401. `authorization` is the request's one Authorization value.
 */
async function resolveIdentity(event: APIGatewayProxyEvent, authorization: string | undefined): Promise<Identity> {
  const fromContext = contextIdentity(event);
  if (fromContext) return fromContext;
  const runtime = getRuntime();
  if (runtime.config.authMode !== 'function') throw new UnauthenticatedError();
  return runtime.authenticator.authenticate(credentialsOf(authorization)?.token);
}

/** Authorization values of each event, read before header normalization merges differently spelled names. */
const authorizations = new WeakMap<object, string | undefined>();

function routeOf(event: APIGatewayProxyEvent): Route {
  const route = ROUTES.find((r) => r.path === event.resource && r.method === event.httpMethod);
  if (!route) throw new RouteNotFoundError(event.httpMethod, event.path);
  return route;
}

/** The route's permission; a route open to any valid token (`'none'`) or any permission (`'any'`) names none. */
function permissionOf(route: Route): Action {
  if (route.action === 'none' || route.action === 'any') {
    throw new Error(`${route.operation} needs no single permission: pass the action to authorizeTopic`);
  }
  return route.action;
}

/** Checks the route's permission on the topic in its path, or on `*` for routes that name no topic. */
function authorizeRoute(identity: Identity, route: Route, pathTopic: string | undefined): void {
  if (route.action === 'none') return;
  if (route.action === 'any') {
    if (route.topicIn === 'path') authorizeAny(identity, pathTopic ?? '*');
    return;
  }
  if (route.topicIn === 'path') authorize(identity, route.action, pathTopic ?? '*');
  if (route.topicIn === 'none') authorize(identity, route.action, '*');
}

function toResult(response: HttpResponse, meter: CapacityMeter, exposeCapacity: boolean): APIGatewayProxyResult {
  const headers: Record<string, string> = { ...(response.headers ?? {}) };
  if (exposeCapacity) headers['x-tributary-capacity'] = meter.toHeader();
  if (response.body === undefined) return { statusCode: response.statusCode, headers, body: '' };
  return { statusCode: response.statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(response.body) };
}

export interface HttpHandlerOptions {
  /** Turns an error into the response (default: the /v1 error body; the Upstash facade has its own). */
  readonly presentError?: (error: unknown) => APIGatewayProxyResult;
}

/** Builds the Lambda handler for a set of operations keyed by the route table's operation names. */
export function createHttpHandler(operations: Readonly<Record<string, Operation>>, options: HttpHandlerOptions = {}) {
  const presentError = options.presentError ?? errorResponse;
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(observability())
    .use({
      // Before httpHeaderNormalizer, which keeps one of `Authorization` and `authorization`:
      // a request carrying the header more than once is refused (401), in every auth mode.
      before: async (request) => {
        authorizations.set(request.event, singleAuthorization(request.event.headers, request.event.multiValueHeaders));
      },
    })
    .use(httpHeaderNormalizer())
    .use({
      onError: async (request) => {
        const error = request.error;
        if (!(error instanceof TributaryError)) {
          logger.error('Unhandled error', { error: error as Error, resource: request.event?.resource });
        } else if (error.code === 'THROTTLED' || error.code === 'UNAVAILABLE') {
          logger.warn('Transient failure', { code: error.code, cause: String(error.cause) });
        }
        request.response = presentError(error);
      },
    })
    .handler(async (event, context) => {
      const route = routeOf(event);
      const operation = operations[route.operation];
      if (!operation) throw new RouteNotFoundError(event.httpMethod, event.path);
      const identity = await resolveIdentity(event, authorizations.get(event));
      authorizeRoute(identity, route, event.pathParameters?.topic);
      const meter = new CapacityMeter();
      const response = await withMeter(meter, () =>
        operation({
          route,
          pathParameters: event.pathParameters ?? {},
          query: event.queryStringParameters ?? {},
          headers: event.headers ?? {},
          body: event.body,
          identity,
          context,
          authorizeTopic: (topic, action) => authorize(identity, action ?? permissionOf(route), topic),
        }),
      );
      const { exposeCapacity } = getRuntime().config;
      if (exposeCapacity) logger.debug('Capacity', { operation: route.operation, ...meter.snapshot() });
      return toResult(response, meter, exposeCapacity);
    });
}
