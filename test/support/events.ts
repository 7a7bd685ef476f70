/** Minimal API Gateway REST proxy events for calling a handler directly in a test. */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ALL_PERMISSIONS } from '../../lambdas/core/auth';

export function identityEvent(
  method: string,
  resource: string,
  path: string,
  extra: Partial<APIGatewayProxyEvent> = {},
): APIGatewayProxyEvent {
  return {
    resource,
    path,
    httpMethod: method,
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      authorizer: { principalId: 'test', tokenId: 'test', name: 'test', permissions: JSON.stringify(ALL_PERMISSIONS) },
    } as unknown as APIGatewayProxyEvent['requestContext'],
    ...extra,
  };
}
