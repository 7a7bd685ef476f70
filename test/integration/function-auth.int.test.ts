/**
 * Function-side auth mode (issue 16, §3; `TRIBUTARY_AUTH_MODE=function`, CDK
 * context `tributary:authMode=function`): with no API Gateway authorizer
 * (LocalStack's free chain has none), the handlers check the bearer token
 * themselves against the tokens table, with the same 60 s bound and the
 * same errors. In the default mode a request without an authorizer identity
 * is refused whatever token it carries. Both modes, and the API Gateway
 * authorizer, refuse a request that carries `Authorization` twice.
 *
 * The handlers are invoked directly with the proxy events API Gateway would
 * send without an authorizer, against DynamoDB Local.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { createToken, TOKEN_CACHE_TTL_MS, type CreatedToken } from '../../lambdas/core/auth';
import { DynamoTokenStore } from '../../lambdas/store/token-store';
import { requireTable } from '../../lambdas/config';
import { createTestTables, type TestTables } from '../support/backends';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type Authorizer = (event: APIGatewayRequestAuthorizerEvent, context: Context) => Promise<unknown>;

const context = { functionName: 'test', awsRequestId: 'r1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const savedEnv = { ...process.env };
let tables: TestTables;
let store: DynamoTokenStore;
let admin: CreatedToken;
let narrow: CreatedToken;

/** Imports a handler module in a fresh module registry, with the environment it would have in that mode. */
async function load<T>(entry: string, authMode: string | undefined): Promise<T> {
  process.env = { ...savedEnv, ...tables.env };
  if (authMode === undefined) delete process.env.TRIBUTARY_AUTH_MODE;
  else process.env.TRIBUTARY_AUTH_MODE = authMode;
  let handler: T | undefined;
  await jest.isolateModulesAsync(async () => {
    handler = ((await import(`../../lambdas/handlers/${entry}`)) as { handler: T }).handler;
  });
  return handler as T;
}

/** `GET /v1/tokens` as API Gateway sends it with no authorizer: no identity in the request context. */
function listTokensEvent(...authorizations: string[]): APIGatewayProxyEvent {
  return {
    resource: '/v1/tokens',
    path: '/v1/tokens',
    httpMethod: 'GET',
    headers: authorizations.length ? { Authorization: authorizations[authorizations.length - 1] as string } : {},
    multiValueHeaders: authorizations.length ? { Authorization: authorizations } : {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', resourcePath: '/v1/tokens', httpMethod: 'GET' } as APIGatewayProxyEvent['requestContext'],
  };
}

const bearer = (token: CreatedToken) => `Bearer ${token.token}`;
const codeOf = (result: APIGatewayProxyResult) => (JSON.parse(result.body) as { error?: { code: string } }).error?.code;

beforeAll(async () => {
  tables = await createTestTables();
  store = new DynamoTokenStore(tables.clients.documents, requireTable(tables.config, 'tokens'));
  admin = await createToken(store, 'admin', [{ topics: '*', actions: ['produce', 'consume', 'admin'] }]);
  narrow = await createToken(store, 'narrow', [{ topics: 'orders*', actions: ['consume'] }]);
});

afterAll(() => {
  process.env = savedEnv;
  jest.restoreAllMocks();
});

describe('function-side auth mode (TRIBUTARY_AUTH_MODE=function)', () => {
  let handler: Handler;
  beforeAll(async () => {
    handler = await load<Handler>('tokens', 'function');
  });

  it('answers 401 UNAUTHENTICATED without a token, or with an unknown one', async () => {
    const none = await handler(listTokensEvent(), context);
    expect([none.statusCode, codeOf(none)]).toEqual([401, 'UNAUTHENTICATED']);
    const unknown = await handler(listTokensEvent(`Bearer trb_${'0'.repeat(16)}_${'A'.repeat(43)}`), context);
    expect([unknown.statusCode, codeOf(unknown)]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('answers 403 FORBIDDEN to a token without the route permission', async () => {
    const result = await handler(listTokensEvent(bearer(narrow)), context);
    expect([result.statusCode, codeOf(result)]).toEqual([403, 'FORBIDDEN']);
  });

  it('answers 200 to a token with the permission', async () => {
    const result = await handler(listTokensEvent(bearer(admin)), context);
    expect(result.statusCode).toBe(200);
    expect((JSON.parse(result.body) as { tokens: Array<{ id: string }> }).tokens.map((t) => t.id)).toContain(narrow.id);
  });

  it('answers 401 to two Authorization headers, whichever comes first', async () => {
    for (const pair of [[bearer(narrow), bearer(admin)], [bearer(admin), bearer(narrow)], [bearer(admin), bearer(admin)]]) {
      const result = await handler(listTokensEvent(...pair), context);
      expect([result.statusCode, codeOf(result)]).toEqual([401, 'UNAUTHENTICATED']);
    }
    // Names that differ in case are two headers too (API Gateway keeps them apart).
    const event = listTokensEvent();
    event.multiValueHeaders = { Authorization: [bearer(narrow)], authorization: [bearer(admin)] };
    event.headers = { Authorization: bearer(narrow), authorization: bearer(admin) };
    expect((await handler(event, context)).statusCode).toBe(401);
  });

  it('refuses a revoked token within the 60 s bound', async () => {
    const revoked = await createToken(store, 'short-lived', [{ topics: '*', actions: ['admin'] }]);
    expect((await handler(listTokensEvent(bearer(revoked)), context)).statusCode).toBe(200);
    await store.delete(revoked.id);
    const revokedAt = Date.now();
    jest.spyOn(Date, 'now').mockImplementation(() => revokedAt + TOKEN_CACHE_TTL_MS + 1);
    try {
      const result = await handler(listTokensEvent(bearer(revoked)), context);
      expect([result.statusCode, codeOf(result)]).toEqual([401, 'UNAUTHENTICATED']);
      // The others are read again after the bound, and still work.
      expect((await handler(listTokensEvent(bearer(admin)), context)).statusCode).toBe(200);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('still takes the identity of an authorizer when the request context carries one', async () => {
    const event = listTokensEvent();
    event.requestContext.authorizer = { tokenId: admin.id, name: 'admin', permissions: JSON.stringify(admin.permissions) };
    expect((await handler(event, context)).statusCode).toBe(200);
  });
});

describe('the default mode (an API Gateway authorizer in front)', () => {
  it('never trusts a request without an authorizer identity, even with a valid token', async () => {
    const handler = await load<Handler>('tokens', undefined);
    const result = await handler(listTokensEvent(bearer(admin)), context);
    expect([result.statusCode, codeOf(result)]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('refuses two Authorization headers even when the authorizer identity is there', async () => {
    const handler = await load<Handler>('tokens', 'authorizer');
    const event = listTokensEvent(bearer(narrow), bearer(admin));
    event.requestContext.authorizer = { tokenId: admin.id, name: 'admin', permissions: JSON.stringify(admin.permissions) };
    expect((await handler(event, context)).statusCode).toBe(401);
  });
});

describe('the API Gateway REQUEST authorizer', () => {
  function authorizerEvent(multiValueHeaders: Record<string, string[]>): APIGatewayRequestAuthorizerEvent {
    const headers = Object.fromEntries(Object.entries(multiValueHeaders).map(([name, values]) => [name, values[values.length - 1] as string]));
    return {
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/v1/tokens',
      resource: '/v1/tokens',
      path: '/v1/tokens',
      httpMethod: 'GET',
      headers,
      multiValueHeaders,
      pathParameters: null,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      stageVariables: null,
      requestContext: {} as APIGatewayRequestAuthorizerEvent['requestContext'],
    };
  }

  it('refuses (Unauthorized → 401) an event whose Authorization has two values, and allows one valid value', async () => {
    const authorize = await load<Authorizer>('authorizer', undefined);
    await expect(authorize(authorizerEvent({ Authorization: [bearer(narrow), bearer(admin)] }), context)).rejects.toThrow(
      /^Unauthorized$/,
    );
    await expect(
      authorize(authorizerEvent({ Authorization: [bearer(narrow)], authorization: [bearer(admin)] }), context),
    ).rejects.toThrow(/^Unauthorized$/);
    await expect(authorize(authorizerEvent({ Authorization: [bearer(admin)] }), context)).resolves.toMatchObject({
      principalId: admin.id,
      context: { tokenId: admin.id },
    });
  });
});
