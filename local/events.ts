/**
 * What API Gateway (REST API, Lambda proxy integration) hands to Lambda,
 * rebuilt for the local server: the REQUEST authorizer event, the evaluation
 * of the policy the authorizer returns, the proxy event, the Lambda context,
 * and the checks API Gateway applies to a proxy result.
 */
import { randomUUID } from 'node:crypto';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayEventIdentity,
  APIGatewayEventRequestContextWithAuthorizer,
  APIGatewayProxyEvent,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import type { Route } from '../lambdas/http/routes';

/** Account, API id and stage the local API pretends to have (they appear in ARNs and the request context). */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_API_ID = 'local';
export const LOCAL_STAGE = 'prod';

/** The parts of an HTTP request the events are built from. */
export interface RequestInfo {
  method: string;
  /** Path as received, without the query string. */
  path: string;
  /** Query string without `?` ('' when none). */
  query: string;
  /** Node's `rawHeaders`: name, value, name, value… with the case as sent. */
  rawHeaders: string[];
  sourceIp: string;
  body: string | null;
  /** Epoch ms when the request arrived. */
  receivedAt: number;
  requestId: string;
}

type Multi = Record<string, string[]>;

// Built from Maps and Object.fromEntries: a header or parameter named `__proto__` or
// `constructor` is then plain data (an own property), never a lookup on Object.prototype.
function single(multi: Map<string, string[]>): Record<string, string> {
  return Object.fromEntries([...multi].map(([name, values]) => [name, values[values.length - 1] ?? '']));
}

function collect(pairs: Iterable<[string, string]>): Map<string, string[]> {
  const multi = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    const values = multi.get(name);
    if (values) values.push(value);
    else multi.set(name, [value]);
  }
  return multi;
}

function headerMaps(rawHeaders: string[]): { headers: Record<string, string>; multiValueHeaders: Multi } {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i] as string, rawHeaders[i + 1] as string]);
  const multi = collect(pairs);
  return { headers: single(multi), multiValueHeaders: Object.fromEntries(multi) };
}

function queryMaps(query: string): { single: Record<string, string> | null; multi: Multi | null } {
  const multi = collect(new URLSearchParams(query));
  if (multi.size === 0) return { single: null, multi: null };
  return { single: single(multi), multi: Object.fromEntries(multi) };
}

/** API Gateway's `requestTime` format: `09/Apr/2015:12:34:56 +0000`. */
function requestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${month}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** The ARN API Gateway passes to the authorizer for this method and path. */
export function methodArn(method: string, path: string): string {
  return `arn:aws:execute-api:local:${LOCAL_ACCOUNT}:${LOCAL_API_ID}/${LOCAL_STAGE}/${method}${path}`;
}

function requestContext<T>(req: RequestInfo, route: Route, authorizer: T): APIGatewayEventRequestContextWithAuthorizer<T> {
  const { headers } = headerMaps(req.rawHeaders);
  const userAgent = Object.entries(headers).find(([name]) => name.toLowerCase() === 'user-agent')?.[1] ?? null;
  const identity: APIGatewayEventIdentity = {
    accessKey: null,
    accountId: null,
    apiKey: null,
    apiKeyId: null,
    caller: null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: req.sourceIp,
    user: null,
    userAgent,
    userArn: null,
  };
  return {
    accountId: LOCAL_ACCOUNT,
    apiId: LOCAL_API_ID,
    authorizer,
    protocol: 'HTTP/1.1',
    httpMethod: req.method,
    identity,
    path: `/${LOCAL_STAGE}${req.path}`,
    stage: LOCAL_STAGE,
    requestId: req.requestId,
    extendedRequestId: req.requestId,
    requestTime: requestTime(req.receivedAt),
    requestTimeEpoch: req.receivedAt,
    resourceId: LOCAL_API_ID,
    resourcePath: route.path,
  };
}

/** The event a REQUEST authorizer receives. */
export function authorizerEvent(
  req: RequestInfo,
  route: Route,
  pathParameters: Record<string, string>,
): APIGatewayRequestAuthorizerEvent {
  const { headers, multiValueHeaders } = headerMaps(req.rawHeaders);
  const query = queryMaps(req.query);
  return {
    type: 'REQUEST',
    methodArn: methodArn(req.method, req.path),
    resource: route.path,
    path: req.path,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    pathParameters,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    stageVariables: null,
    requestContext: requestContext(req, route, undefined),
  };
}

/** The authorizer context as a proxy event carries it: every value a string, plus principalId. */
export type AuthorizerContext = Record<string, string | number>;

function globMatches(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

function asList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];
}

/**
 * Applies an authorizer result to a method ARN the way API Gateway does:
 * 'invalid' for a malformed result (API Gateway answers 500), 'deny' unless an
 * Allow statement covers the ARN and no Deny does (403), else the context.
 */
export function evaluateAuthorizerResult(
  result: unknown,
  arn: string,
): { outcome: 'invalid'; reason: string } | { outcome: 'deny' } | { outcome: 'allow'; context: AuthorizerContext } {
  const r = result as Partial<APIGatewayAuthorizerResult> | null;
  if (!r || typeof r !== 'object') return { outcome: 'invalid', reason: 'result is not an object' };
  if (typeof r.principalId !== 'string') return { outcome: 'invalid', reason: 'principalId is missing' };
  const statements: unknown = r.policyDocument?.Statement;
  if (!Array.isArray(statements)) return { outcome: 'invalid', reason: 'policyDocument.Statement is missing' };
  const context: AuthorizerContext = {};
  for (const [key, value] of Object.entries(r.context ?? {})) {
    if (value === null || value === undefined) continue;
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      return { outcome: 'invalid', reason: `context.${key} is not a string, number or boolean` };
    }
    context[key] = String(value);
  }
  context.principalId = r.principalId;
  const covers = (effect: string) =>
    statements.some((s: Record<string, unknown>) => {
      if (s?.Effect !== effect) return false;
      const action = asList(s.Action).some((a) => globMatches(a, 'execute-api:Invoke'));
      const resource = asList(s.Resource).some((p) => globMatches(p, arn));
      return action && resource;
    });
  if (covers('Deny') || !covers('Allow')) return { outcome: 'deny' };
  return { outcome: 'allow', context };
}

/** The event a Lambda proxy integration receives. */
export function proxyEvent(
  req: RequestInfo,
  route: Route,
  pathParameters: Record<string, string>,
  authorizer: AuthorizerContext,
): APIGatewayProxyEvent {
  const { headers, multiValueHeaders } = headerMaps(req.rawHeaders);
  const query = queryMaps(req.query);
  return {
    resource: route.path,
    path: req.path,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: null,
    requestContext: requestContext(req, route, authorizer),
    body: req.body,
    isBase64Encoded: false,
  };
}

/** A Lambda context for one invocation of `functionName` with the given timeout. */
export function lambdaContext(functionName: string, memoryMb: number, timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const unsupported = () => {
    throw new Error('context.done/fail/succeed are not supported; return a value from the async handler');
  };
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:${LOCAL_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** A proxy result reduced to what goes on the wire; undefined when API Gateway would reject it. */
export interface WireResponse {
  statusCode: number;
  headers: Record<string, string[]>;
  body: Buffer;
}

/** Validates a handler's return value as API Gateway does and converts it for writing. */
export function toWireResponse(result: unknown): WireResponse | undefined {
  const r = result as Record<string, unknown> | null;
  if (!r || typeof r !== 'object') return undefined;
  const { statusCode, body, isBase64Encoded } = r;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    return undefined;
  }
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined;
  const headers: Record<string, string[]> = {};
  const scalar = (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v);
  for (const [name, value] of Object.entries((r.headers as Record<string, unknown> | undefined) ?? {})) {
    if (!scalar(value)) return undefined;
    headers[name] = [String(value)];
  }
  // Values from multiValueHeaders win over headers for the same name.
  for (const [name, values] of Object.entries((r.multiValueHeaders as Record<string, unknown> | undefined) ?? {})) {
    if (!Array.isArray(values) || !values.every(scalar)) return undefined;
    headers[name] = values.map(String);
  }
  const text = body ?? '';
  return { statusCode, headers, body: Buffer.from(text, isBase64Encoded === true ? 'base64' : 'utf8') };
}
