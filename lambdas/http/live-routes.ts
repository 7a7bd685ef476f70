/**
 * The WebSocket API of live notifications (API.md, "Live notifications"):
 * its route keys (selected by `$request.body.action`) and its one function.
 * Written once, read by the CDK construct (lib/live.ts); the local stack
 * serves the same protocol through the same core (local/live-server.ts).
 */
import type { FunctionSpec } from './routes';

/** Every route: the connect and disconnect events, the three actions, and `$default` (anything else: INVALID_REQUEST). */
export const LIVE_ROUTE_KEYS = ['$connect', '$disconnect', 'watch', 'unwatch', 'ping', '$default'] as const;

export type LiveRouteKey = (typeof LIVE_ROUTE_KEYS)[number];

/** Routes whose Lambda result API Gateway sends back on the socket (two-way). */
export const LIVE_TWO_WAY_ROUTES: readonly LiveRouteKey[] = ['watch', 'unwatch', 'ping', '$default'];

/** The function behind every route: token and permission checks, the connections table. */
export const LIVE_FUNCTION: FunctionSpec = {
  entry: 'lambdas/handlers/live.ts',
  memoryMb: 256,
  timeoutSeconds: 10,
  tables: { tokens: 'read', topics: 'read', connections: 'readwrite' },
};
