/**
 * Lambda: the API Gateway REQUEST authorizer. It checks the bearer token and
 * hands the identity (token id, name, permissions) to the handlers in the
 * request context; per-topic permissions are then checked against the route
 * table's action. The Allow policy covers the whole API so API Gateway can
 * cache the result (at most 60 s) for every route.
 *
 * Bearer credentials that fail are refused here (API Gateway answers 401).
 * Basic credentials (`Basic base64(user:token)`, what the Upstash Kafka SDK
 * sends) that fail are let through *without an identity*: API Gateway's own
 * 401 body cannot differ per path, and the SDK can only read the
 * `{"error": "…", "status": N}` body of the /upstash routes. Every handler
 * refuses a request without an identity with 401 (`identityFrom` in
 * http/middleware.ts) before reading anything, in its own error format.
 *
 * A request with more than one `Authorization` value (API Gateway passes
 * them all in `multiValueHeaders`) is refused (401) whatever they hold:
 * which one a cache keys on and which one is checked must never differ.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { authenticate, credentialsOf } from '../core/auth';
import { TributaryError } from '../core/errors';
import { authorizationValues } from '../http/authorization';
import { logger } from '../http/logger';
import { withObservability } from '../observability/middleware';
import { getRuntime } from '../runtime';

/**
 * `arn:aws:execute-api:region:account:apiId/stage/*` from a method ARN
 * (`…:apiId/stage/METHOD/resource/path`), so one cached answer covers every route.
 */
export function apiWildcardArn(methodArn: string): string {
  const [apiArn, stage] = methodArn.split('/');
  return `${apiArn}/${stage}/*`;
}

async function authorizeRequest(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const values = authorizationValues(event.headers, event.multiValueHeaders);
  // API Gateway answers 401 (mapped to the API's error body) for exactly this message.
  if (values.length > 1) throw new Error('Unauthorized');
  const credentials = credentialsOf(values[0]);
  try {
    const identity = await authenticate(getRuntime().tokens, credentials?.token);
    return allow(event.methodArn, identity.tokenId, {
      tokenId: identity.tokenId,
      name: identity.name,
      permissions: JSON.stringify(identity.permissions),
    });
  } catch (error) {
    if (!(error instanceof TributaryError) || (error.code !== 'UNAUTHENTICATED')) {
      logger.error('Authorizer failure', { error: error as Error });
      throw error;
    }
    // No identity in the context: the handler answers 401 in its route's error format.
    if (credentials?.scheme === 'basic') return allow(event.methodArn, 'anonymous', {});
    // API Gateway answers 401 (mapped to the API's error body) for exactly this message.
    throw new Error('Unauthorized');
  }
}

function allow(methodArn: string, principalId: string, context: Record<string, string>): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: apiWildcardArn(methodArn) }],
    },
    context,
  };
}

/** With logging context, correlation id, tracing and metrics (throttled token reads). */
export const handler = withObservability(authorizeRequest);
