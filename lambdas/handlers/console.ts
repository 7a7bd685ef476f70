/**
 * Lambda: the web console's static files, on the same REST API under
 * `/console` and `/console/{proxy+}`, without the token authorizer (the
 * files are public; the console asks for a token and sends it to /v1). The
 * files are bundled beside this handler (`console/` in the asset, see
 * lib/console.ts); TRIBUTARY_CONSOLE_DIR overrides where they are.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { join } from 'node:path';
import { consoleResponse } from '../http/console-assets';

const dir = process.env.TRIBUTARY_CONSOLE_DIR ?? join(__dirname, 'console');

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  if (event.httpMethod !== 'GET' && event.httpMethod !== 'HEAD') {
    return { statusCode: 405, headers: { Allow: 'GET, HEAD', 'Content-Type': 'application/json' }, body: JSON.stringify({ error: { code: 'NOT_FOUND', message: 'The console only answers GET.' } }) };
  }
  // requestContext.path carries the stage (`/prod/console/…`); event.path does not.
  const full = event.requestContext?.path ?? event.path;
  const basePath = full.endsWith(event.path) ? full.slice(0, full.length - event.path.length) : '';
  return consoleResponse(dir, event.path, basePath);
}
