/**
 * Lambda: the API Gateway WebSocket API's routes for live notifications.
 * `$connect` admits a token (Authorization header, or `?token=` for
 * browsers) or answers 401, which refuses the upgrade; `$disconnect` forgets
 * the connection; `watch`, `unwatch`, `ping` and `$default` (anything else)
 * answer with the route's response, which API Gateway sends back on the
 * socket (two-way routes). The protocol itself is `core/live/session.ts`.
 */
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { TributaryError } from '../core/errors';
import { logger } from '../http/logger';
import { withObservability } from '../observability/middleware';
import { getRuntime } from '../runtime';
import { upgradeToken } from '../core/live/session';

/** `$connect` events also carry the upgrade request's headers and query (the V2 type leaves them out). */
export type LiveEvent = APIGatewayProxyWebsocketEventV2 & {
  headers?: Record<string, string | undefined>;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
};

function reply(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, body: JSON.stringify(body) };
}

async function route(event: LiveEvent): Promise<APIGatewayProxyResult> {
  const { connectionId, routeKey } = event.requestContext;
  const sessions = getRuntime().liveSessions;
  if (routeKey === '$connect') {
    try {
      await sessions.connect(connectionId, upgradeToken(event.headers, event.queryStringParameters, event.multiValueHeaders));
      return { statusCode: 200, body: '' };
    } catch (error) {
      if (error instanceof TributaryError && error.code === 'UNAUTHENTICATED') {
        return reply(401, { error: { code: error.code, message: error.message } });
      }
      throw error;
    }
  }
  if (routeKey === '$disconnect') {
    await sessions.disconnect(connectionId);
    return { statusCode: 200, body: '' };
  }
  const body = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return reply(200, await sessions.message(connectionId, body));
  } catch (error) {
    logger.error('Live message failed', { error: error as Error });
    const code = error instanceof TributaryError && error.retriable ? error.code : 'UNAVAILABLE';
    return reply(200, { type: 'error', error: { code, message: 'The service is temporarily unavailable; retry.' } });
  }
}

export const handler = withObservability(route);
