/**
 * The route table, written once. The CDK stack reads it to build the API
 * Gateway resources, methods and one Lambda function per handler; the local
 * server reads it to dispatch requests to the same handlers. So the local
 * API cannot drift from the deployed one.
 */
import type { TableNames } from '../config';
import type { Action } from '../core/auth';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

/** The permission a route needs, checked against the topic it names (or `*`); defined by the core's auth. */
export type { Action };

/**
 * What a route needs: one permission (`Action`); `'any'`: any one of them
 * on the topic (reading a topic's description); `'none'`: nothing but a
 * valid token (whoami, the topic list filtered to what the token may see,
 * the API description).
 */
export type RouteAction = Action | 'any' | 'none';

export type HandlerName =
  | 'topics'
  | 'produce'
  | 'fetch'
  | 'groups'
  | 'readers'
  | 'deadLetters'
  | 'tokens'
  | 'upstash'
  | 'meta'
  | 'subscriptions'
  | 'shareGroups';

export interface Route {
  readonly method: HttpMethod;
  /** API Gateway resource path, with `{param}` segments. */
  readonly path: string;
  readonly handler: HandlerName;
  /** Operation name inside the handler (also the OpenAPI operationId). */
  readonly operation: string;
  /**
   * The permission the route needs; `'any'`: any permission on the topic;
   * `'none'`: any valid token may call it (it reads no topic, or filters
   * what it answers by the token's permissions). The token itself is
   * always required: the authorizer guards every route.
   */
  readonly action: RouteAction;
  /**
   * Where the topic the permission applies to comes from: the `{topic}` path
   * parameter (checked before the handler runs), the body or the query
   * (checked by the operation once it has validated them), or none (`*`).
   */
  readonly topicIn: 'path' | 'body' | 'query' | 'none';
}

export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/v1/topics', handler: 'topics', operation: 'createTopic', action: 'admin', topicIn: 'body' },
  // Any valid token: the list holds only the topics the token has some permission on.
  { method: 'GET', path: '/v1/topics', handler: 'topics', operation: 'listTopics', action: 'none', topicIn: 'none' },
  { method: 'GET', path: '/v1/topics/{topic}', handler: 'topics', operation: 'describeTopic', action: 'any', topicIn: 'path' },
  { method: 'PATCH', path: '/v1/topics/{topic}', handler: 'topics', operation: 'updateTopic', action: 'admin', topicIn: 'path' },
  { method: 'DELETE', path: '/v1/topics/{topic}', handler: 'topics', operation: 'deleteTopic', action: 'admin', topicIn: 'path' },
  { method: 'POST', path: '/v1/topics/{topic}/records', handler: 'produce', operation: 'produce', action: 'produce', topicIn: 'path' },
  {
    method: 'GET',
    path: '/v1/topics/{topic}/partitions/{partition}/records',
    handler: 'fetch',
    operation: 'fetch',
    action: 'consume',
    topicIn: 'path',
  },
  { method: 'POST', path: '/v1/groups/{group}/poll', handler: 'groups', operation: 'poll', action: 'consume', topicIn: 'body' },
  { method: 'POST', path: '/v1/groups/{group}/commit', handler: 'groups', operation: 'commit', action: 'consume', topicIn: 'body' },
  { method: 'POST', path: '/v1/groups/{group}/nack', handler: 'groups', operation: 'nack', action: 'consume', topicIn: 'body' },
  { method: 'GET', path: '/v1/groups/{group}', handler: 'groups', operation: 'describeGroup', action: 'consume', topicIn: 'query' },
  {
    method: 'POST',
    path: '/v1/groups/{group}/offsets/reset',
    handler: 'groups',
    operation: 'resetOffsets',
    action: 'admin',
    topicIn: 'body',
  },
  {
    method: 'DELETE',
    path: '/v1/groups/{group}/consumers/{consumerId}',
    handler: 'groups',
    operation: 'leave',
    action: 'consume',
    topicIn: 'query',
  },
  // Share groups (lambdas/handlers/share-groups.ts): a work queue with per-record locks and acks.
  { method: 'POST', path: '/v1/share-groups/{group}/receive', handler: 'shareGroups', operation: 'receive', action: 'consume', topicIn: 'body' },
  { method: 'POST', path: '/v1/share-groups/{group}/ack', handler: 'shareGroups', operation: 'ack', action: 'consume', topicIn: 'body' },
  { method: 'GET', path: '/v1/share-groups/{group}', handler: 'shareGroups', operation: 'describeShareGroup', action: 'consume', topicIn: 'query' },
  {
    method: 'POST',
    path: '/v1/share-groups/{group}/offsets/reset',
    handler: 'shareGroups',
    operation: 'resetShareGroup',
    action: 'admin',
    topicIn: 'body',
  },
  { method: 'DELETE', path: '/v1/share-groups/{group}', handler: 'shareGroups', operation: 'deleteShareGroup', action: 'admin', topicIn: 'query' },
  // Who reads the topic: consumer groups, share groups and subscriptions, with their lag.
  { method: 'GET', path: '/v1/topics/{topic}/groups', handler: 'readers', operation: 'listTopicGroups', action: 'consume', topicIn: 'path' },
  {
    method: 'GET',
    path: '/v1/topics/{topic}/dead-letters',
    handler: 'deadLetters',
    operation: 'listDeadLetters',
    action: 'consume',
    topicIn: 'path',
  },
  {
    method: 'POST',
    path: '/v1/topics/{topic}/dead-letters/redrive',
    handler: 'deadLetters',
    operation: 'redrive',
    action: 'consume',
    topicIn: 'path',
  },
  {
    method: 'DELETE',
    path: '/v1/topics/{topic}/dead-letters/{id}',
    handler: 'deadLetters',
    operation: 'deleteDeadLetter',
    action: 'consume',
    topicIn: 'path',
  },
  // Push subscriptions (reading them needs consume; changing them admin).
  ...subscriptionRoutes([
    ['POST', '', 'createSubscription', 'admin'],
    ['GET', '', 'listSubscriptions', 'consume'],
    ['GET', '/{name}', 'describeSubscription', 'consume'],
    ['PATCH', '/{name}', 'updateSubscription', 'admin'],
    ['DELETE', '/{name}', 'deleteSubscription', 'admin'],
  ]),
  { method: 'POST', path: '/v1/tokens', handler: 'tokens', operation: 'createToken', action: 'admin', topicIn: 'none' },
  { method: 'GET', path: '/v1/tokens', handler: 'tokens', operation: 'listTokens', action: 'admin', topicIn: 'none' },
  { method: 'DELETE', path: '/v1/tokens/{id}', handler: 'tokens', operation: 'revokeToken', action: 'admin', topicIn: 'none' },
  // This API's OpenAPI 3.1 description (lambdas/http/openapi.ts; docs/openapi.json is the same document).
  { method: 'GET', path: '/v1/openapi.json', handler: 'meta', operation: 'getOpenApi', action: 'none', topicIn: 'none' },
  // The token's own id, name and permissions (what a console shows and uses to hide what it may not do).
  { method: 'GET', path: '/v1/whoami', handler: 'meta', operation: 'whoami', action: 'none', topicIn: 'none' },
  // The Upstash Kafka REST API (what the @upstash/kafka SDK calls), served by one facade function
  // (lambdas/upstash/). `body` also covers topics taken from the consumer instance's stored state.
  ...upstashRoutes([
    ['POST', 'produce', 'upstashProduce', 'produce', 'body'],
    ['POST', 'webhook', 'upstashWebhook', 'produce', 'query'],
    ['POST', 'fetch', 'upstashFetch', 'consume', 'body'],
    ['POST', 'consume/{group}/{instance}', 'upstashConsume', 'consume', 'body'],
    ['POST', 'commit/{group}/{instance}', 'upstashCommit', 'consume', 'body'],
    ['POST', 'committed/{group}/{instance}', 'upstashCommitted', 'consume', 'body'],
    ['POST', 'delete-consumer/{group}/{instance}', 'upstashRemoveConsumer', 'consume', 'body'],
    ['POST', 'offsets/{position}', 'upstashOffsets', 'consume', 'body'],
    ['GET', 'topics', 'upstashTopics', 'admin', 'none'],
    ['GET', 'consumers', 'upstashConsumers', 'admin', 'none'],
  ]),
];

/** The subscription routes, under `/v1/topics/{topic}/subscriptions`, served by the `subscriptions` handler. */
function subscriptionRoutes(list: ReadonlyArray<[HttpMethod, string, string, Action]>): Route[] {
  return list.map(([method, suffix, operation, action]) => ({
    method,
    path: `/v1/topics/{topic}/subscriptions${suffix}`,
    handler: 'subscriptions',
    operation,
    action,
    topicIn: 'path',
  }));
}

/** The facade's routes, all under `/upstash` and served by the `upstash` handler. */
function upstashRoutes(list: ReadonlyArray<[HttpMethod, string, string, Action, Route['topicIn']]>): Route[] {
  return list.map(([method, path, operation, action, topicIn]) => ({
    method,
    path: `/upstash/${path}`,
    handler: 'upstash',
    operation,
    action,
    topicIn,
  }));
}

export type Access = 'read' | 'readwrite';

export interface FunctionSpec {
  /** Source file, relative to the repository root. */
  readonly entry: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Tables the function uses and how; the CDK grants exactly this. */
  readonly tables: Partial<Record<keyof TableNames, Access>>;
  /** Access to the segment/spill bucket, if any. */
  readonly bucket?: Access;
  /**
   * Run on a schedule (an EventBridge rule), every this many minutes by
   * default; the stack may override it (context `tributary:archiveIntervalMinutes`).
   */
  readonly scheduleMinutes?: number;
  /** The function invokes itself asynchronously (fan-out of one run into bounded pieces). */
  readonly invokesItself?: boolean;
  /** The built web console (console/dist) is bundled beside the handler, in `console/`. */
  readonly bundlesConsole?: boolean;
}

/** One Lambda function per handler, with the access it needs and nothing more. */
export const FUNCTIONS: Readonly<Record<HandlerName | 'authorizer' | 'archiver' | 'dispatcher' | 'console', FunctionSpec>> = {
  archiver: {
    entry: 'lambdas/handlers/archiver.ts',
    memoryMb: 1024,
    timeoutSeconds: 300,
    tables: { topics: 'readwrite', log: 'readwrite' },
    bucket: 'readwrite',
    scheduleMinutes: 5,
    invokesItself: true,
  },
  authorizer: {
    entry: 'lambdas/handlers/authorizer.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    tables: { tokens: 'read' },
  },
  topics: {
    entry: 'lambdas/handlers/topics.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    tables: { topics: 'readwrite', log: 'readwrite' },
    bucket: 'readwrite',
  },
  produce: {
    entry: 'lambdas/handlers/produce.ts',
    memoryMb: 1024,
    timeoutSeconds: 29,
    tables: { topics: 'read', log: 'readwrite', idempotency: 'readwrite' },
    bucket: 'readwrite',
  },
  fetch: {
    entry: 'lambdas/handlers/fetch.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    tables: { topics: 'read', log: 'read' },
    bucket: 'read',
  },
  groups: {
    entry: 'lambdas/handlers/groups.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    tables: { topics: 'read', log: 'read', groups: 'readwrite', deadLetters: 'readwrite' },
    bucket: 'readwrite',
  },
  // Share-group state lives in the groups table; dead letters are written with it; large batches and dead letters in S3.
  shareGroups: {
    entry: 'lambdas/handlers/share-groups.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    tables: { topics: 'read', log: 'read', groups: 'readwrite', deadLetters: 'readwrite' },
    bucket: 'readwrite',
  },
  // Lists who reads a topic (consumer groups, share groups, subscriptions: all in the groups table); reads only.
  readers: {
    entry: 'lambdas/handlers/readers.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    tables: { topics: 'read', log: 'read', groups: 'read' },
    bucket: 'read',
  },
  deadLetters: {
    entry: 'lambdas/handlers/dead-letters.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    tables: { topics: 'read', log: 'readwrite', deadLetters: 'readwrite' },
    bucket: 'readwrite',
  },
  tokens: {
    entry: 'lambdas/handlers/tokens.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    tables: { tokens: 'readwrite' },
  },
  // Serves the API description: no table, no bucket.
  meta: {
    entry: 'lambdas/handlers/meta.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    tables: {},
  },
  subscriptions: {
    entry: 'lambdas/handlers/subscriptions.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    // Creates read end offsets (log); subscription state lives in the groups table.
    tables: { topics: 'read', log: 'read', groups: 'readwrite' },
  },
  // The stream dispatcher: woken by the log table's stream (push delivery, live notifications),
  // and every minute by its schedule for the retry sweep of push subscriptions, a rule that is
  // enabled only while retries wait (lib/push-delivery.ts).
  dispatcher: {
    entry: 'lambdas/handlers/dispatcher.ts',
    memoryMb: 512,
    timeoutSeconds: 120,
    tables: { topics: 'read', log: 'read', groups: 'readwrite', deadLetters: 'readwrite' },
    bucket: 'readwrite',
    scheduleMinutes: 1,
  },
  // The web console's static files under /console (no authorizer: they are public; the API calls are not).
  console: {
    entry: 'lambdas/handlers/console.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    tables: {},
    bundlesConsole: true,
  },
  upstash: {
    entry: 'lambdas/handlers/upstash.ts',
    memoryMb: 1024,
    timeoutSeconds: 29,
    // Produce appends (log), consume polls and commits (groups; facade state lives there too).
    // Dead letters: the facade never nacks, but a poll dead-letters a record whose leases kept lapsing.
    tables: { topics: 'read', log: 'readwrite', groups: 'readwrite', deadLetters: 'readwrite' },
    bucket: 'readwrite',
  },
};

/** Matches a concrete path against a route template; returns the path parameters or undefined. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith('{') && w.endsWith('}')) {
      if (g === '') return undefined;
      let value: string;
      try {
        value = decodeURIComponent(g);
      } catch {
        return undefined;
      }
      params[w.slice(1, -1)] = value;
    } else if (w !== g) {
      return undefined;
    }
  }
  return params;
}

/** Finds the route for a method and path, telling "no such path" from "wrong method". */
export function findRoute(
  method: string,
  path: string,
): { route: Route; pathParameters: Record<string, string> } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const pathParameters = matchPath(route.path, path);
    if (pathParameters) return { route, pathParameters };
  }
  return undefined;
}
