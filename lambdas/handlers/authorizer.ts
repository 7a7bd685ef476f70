/**
 * Lambda: the API Gateway REQUEST authorizer. It checks the bearer token and
 * hands the identity (token id, name, permissions) to the handlers in the
 * request context; per-topic permissions are then checked against the route
 * table's action. The Allow policy covers the whole API so API Gateway can
 * cache the result (at most 60 s) for every route.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { authenticate, bearerToken } from '../core/auth';
import { TributaryError } from '../core/errors';
import { logger } from '../http/logger';
import { getRuntime } from '../runtime';

/**
 * `arn:aws:execute-api:region:account:apiId/stage/*` from a method ARN
 * (`…:apiId/stage/METHOD/resource/path`), so one cached answer covers every route.
 */
export function apiWildcardArn(methodArn: string): string {
  const [apiArn, stage] = methodArn.split('/');
  return `${apiArn}/${stage}/*`;
}

export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const headers = event.headers ?? {};
  const header = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  try {
    const identity = await authenticate(getRuntime().tokens, bearerToken(header ?? undefined));
    return {
      principalId: identity.tokenId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: apiWildcardArn(event.methodArn) }],
      },
      context: { tokenId: identity.tokenId, name: identity.name, permissions: JSON.stringify(identity.permissions) },
    };
  } catch (error) {
    if (!(error instanceof TributaryError) || (error.code !== 'UNAUTHENTICATED')) {
      logger.error('Authorizer failure', { error: error as Error });
      throw error;
    }
    // API Gateway answers 401 (mapped to the API's error body) for exactly this message.
    throw new Error('Unauthorized');
  }
}
