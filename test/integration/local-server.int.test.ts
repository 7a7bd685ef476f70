/**
 * The local API Gateway stand-in, with tiny fake handlers and authorizers (it
 * is dispatch that is tested here, not storage), and the local stack's
 * persistence and clean shutdown with real DynamoDB Local and s3rver.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { loadConfig, requireBucket, requireTable } from '../../lambdas/config';
import { authenticate, bearerToken } from '../../lambdas/core/auth';
import { createStoreClients } from '../../lambdas/store/clients';
import { DynamoTokenStore } from '../../lambdas/store/token-store';
import { startDynamoDbLocal } from '../../local/emulators';
import { createLocalServer, type AuthorizerHandler, type LocalServerOptions, type ProxyHandler } from '../../local/server';
import { startLocalStack } from '../../local/stack';
import { startTestStack } from '../support/backends';

const allow = (methodArnPattern: string, context: Record<string, string> = {}): APIGatewayAuthorizerResult => ({
  principalId: 'tok1',
  policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: methodArnPattern }] },
  context: { tokenId: 'tok1', name: 'tester', permissions: '[{"topics":"*","actions":["admin"]}]', ...context },
});
const allowAll = async () => allow('arn:aws:execute-api:local:000000000000:local/prod/*');
const ok: ProxyHandler = async () => ({ statusCode: 200, body: '{"ok":true}' });

interface Running {
  url: string;
  server: Server;
  logs: string[];
  authorizerCalls: APIGatewayRequestAuthorizerEvent[];
}

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await new Promise((resolve) => r.server.close(resolve));
});

async function serve(
  handler: ProxyHandler = ok,
  authorizer: AuthorizerHandler = allowAll,
  options: LocalServerOptions = {},
): Promise<Running> {
  const logs: string[] = [];
  const authorizerCalls: APIGatewayRequestAuthorizerEvent[] = [];
  const server = createLocalServer({
    loadHandler: async () => handler,
    loadAuthorizer: async () => async (event) => (authorizerCalls.push(event), authorizer(event)),
    authorizerCacheTtlMs: 0,
    log: (line) => logs.push(line),
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const r = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, logs, authorizerCalls };
  running.push(r);
  return r;
}

const auth = { Authorization: 'Bearer secret' };

/** The `error` object of an API error body. */
async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

/** A GET through node:http, which (unlike fetch) sends header names with the case given. */
function rawGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the local server', () => {
  it('answers an unknown path with 404 NOT_FOUND naming the method and path', async () => {
    const { url } = await serve();
    const res = await fetch(`${url}/v1/nope`, { headers: auth });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No route matches GET /v1/nope.' } });
  });

  it('answers a known path with the wrong method with 404 NOT_FOUND, as a REST API does', async () => {
    const { url } = await serve();
    const res = await fetch(`${url}/v1/topics`, { method: 'PUT', headers: auth });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No route matches PUT /v1/topics.' } });
  });

  it('answers a request without Authorization with 401 UNAUTHENTICATED without calling the authorizer', async () => {
    const { url, authorizerCalls } = await serve();
    const res = await fetch(`${url}/v1/topics`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await errorOf(res)).code).toBe('UNAUTHENTICATED');
    expect(authorizerCalls).toHaveLength(0);
  });

  it('answers 401 UNAUTHENTICATED when the authorizer throws Unauthorized', async () => {
    const { url } = await serve(ok, async () => {
      throw new Error('Unauthorized');
    });
    const res = await fetch(`${url}/v1/topics`, { headers: auth });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('UNAUTHENTICATED');
  });

  it('answers 503 UNAVAILABLE, not 401, when the authorizer fails with any other error', async () => {
    const { url, logs } = await serve(ok, async () => {
      throw new Error('token table unreachable');
    });
    const res = await fetch(`${url}/v1/topics`, { headers: auth });
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe('UNAVAILABLE');
    expect(logs.join('\n')).toContain('token table unreachable');
  });

  it('builds the proxy event and Lambda context as API Gateway does', async () => {
    let seen: { event: APIGatewayProxyEvent; context: Context } | undefined;
    const { url, authorizerCalls } = await serve(async (event, context) => {
      seen = { event, context };
      return { statusCode: 200, body: '{}' };
    });
    const status = await rawGet(`${url}/v1/topics/a%20b/partitions/3/records?offset=5&x=1&x=2`, {
      ...auth,
      'X-Custom': 'yes',
    });
    expect(status).toBe(200);
    const { event, context } = seen!;
    expect(event).toMatchObject({
      resource: '/v1/topics/{topic}/partitions/{partition}/records',
      path: '/v1/topics/a%20b/partitions/3/records',
      httpMethod: 'GET',
      pathParameters: { topic: 'a b', partition: '3' },
      queryStringParameters: { offset: '5', x: '2' },
      multiValueQueryStringParameters: { offset: ['5'], x: ['1', '2'] },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
    });
    expect(event.headers['X-Custom']).toBe('yes');
    expect(event.multiValueHeaders['X-Custom']).toEqual(['yes']);
    expect(event.requestContext).toMatchObject({
      stage: 'prod',
      resourcePath: '/v1/topics/{topic}/partitions/{partition}/records',
      httpMethod: 'GET',
      identity: { sourceIp: '127.0.0.1' },
      authorizer: { principalId: 'tok1', tokenId: 'tok1', name: 'tester', permissions: '[{"topics":"*","actions":["admin"]}]' },
    });
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.functionName).toBe('tributary-fetch');
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(28_000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(29_000);
    expect(authorizerCalls[0]).toMatchObject({
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:local:000000000000:local/prod/GET/v1/topics/a%20b/partitions/3/records',
      pathParameters: { topic: 'a b', partition: '3' },
      queryStringParameters: { offset: '5', x: '2' },
    });
  });

  it('passes a request body as a utf8 string and writes the handler result back', async () => {
    let body: string | null = null;
    const { url } = await serve(async (event) => {
      body = event.body;
      return { statusCode: 201, headers: { 'X-One': 1 }, multiValueHeaders: { 'X-Many': ['a', 'b'] }, body: '{"made":"✓"}' };
    });
    const res = await fetch(`${url}/v1/topics`, { method: 'POST', headers: auth, body: '{"name":"é"}' });
    expect(body).toBe('{"name":"é"}');
    expect(res.status).toBe(201);
    expect(res.headers.get('x-one')).toBe('1');
    expect(res.headers.get('x-many')).toBe('a, b');
    expect(await res.json()).toEqual({ made: '✓' });
  });

  it('answers a body over 10 MB with 413 PAYLOAD_TOO_LARGE without invoking anything', async () => {
    const calls: string[] = [];
    const { url, authorizerCalls } = await serve(async () => (calls.push('handler'), { statusCode: 200, body: '' }));
    const res = await fetch(`${url}/v1/topics`, { method: 'POST', headers: auth, body: 'x'.repeat(10 * 1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('PAYLOAD_TOO_LARGE');
    expect(calls).toEqual([]);
    expect(authorizerCalls).toHaveLength(0);
  });

  it('passes a body of up to 10 MB to the handler (API.md allows 6 MB produce bodies; escaping may double them)', async () => {
    const seen: number[] = [];
    const { url } = await serve(async (event) => (seen.push(event.body?.length ?? 0), { statusCode: 200, body: '' }));
    const res = await fetch(`${url}/v1/topics`, { method: 'POST', headers: auth, body: '"'.repeat(4 * 1024 * 1024) });
    expect(res.status).toBe(200);
    expect(seen).toEqual([4 * 1024 * 1024]);
  });

  it('answers 503 UNAVAILABLE (as API Gateway does for a crashed Lambda) without a stack trace, and logs the stack', async () => {
    const { url, logs } = await serve(async () => {
      throw new Error('kaboom in handler');
    });
    const res = await fetch(`${url}/v1/topics`, { headers: auth });
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(JSON.parse(text)).toEqual({ error: { code: 'UNAVAILABLE', message: 'The service is temporarily unavailable; retry.' } });
    expect(text).not.toContain('kaboom');
    expect(logs.join('\n')).toMatch(/kaboom in handler[\s\S]*at /);
  });

  it('answers 503 UNAVAILABLE when the handler returns something that is not a proxy result', async () => {
    const { url } = await serve((async () => ({ status: 200, body: { not: 'a string' } })) as unknown as ProxyHandler);
    const res = await fetch(`${url}/v1/topics`, { headers: auth });
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe('UNAVAILABLE');
  });

  it('answers 403 FORBIDDEN when the authorizer returns a Deny policy', async () => {
    const denied = allow('arn:aws:execute-api:local:000000000000:local/prod/*');
    denied.policyDocument.Statement[0]!.Effect = 'Deny';
    const { url } = await serve(ok, async () => denied);
    const res = await fetch(`${url}/v1/topics`, { headers: auth });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('FORBIDDEN');
  });

  it('caches an authorizer result per Authorization value and applies the cached policy to other routes', async () => {
    // A policy covering only the first method ARN: cached, it refuses the next route, as API Gateway does.
    const { url, authorizerCalls } = await serve(ok, async (event) => allow(event.methodArn), {
      authorizerCacheTtlMs: 60_000,
    });
    expect((await fetch(`${url}/v1/topics`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${url}/v1/topics`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${url}/v1/topics`, { method: 'POST', headers: auth })).status).toBe(403);
    expect(authorizerCalls).toHaveLength(1);
    expect((await fetch(`${url}/v1/topics`, { headers: { Authorization: 'Bearer other' } })).status).toBe(200);
    expect(authorizerCalls).toHaveLength(2);
  });

  it('calls the authorizer on every request when the cache TTL is 0', async () => {
    const { url, authorizerCalls } = await serve();
    await fetch(`${url}/v1/topics`, { headers: auth });
    await fetch(`${url}/v1/topics`, { headers: auth });
    expect(authorizerCalls).toHaveLength(2);
  });
});

/** An authorizer that checks the token against the stack's tokens table, as the real one does. */
const tokenAuthorizer: AuthorizerHandler = async (event) => {
  const config = loadConfig(process.env);
  const store = new DynamoTokenStore(createStoreClients(config).documents, requireTable(config, 'tokens'));
  try {
    const header = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization');
    await authenticate(store, bearerToken(header?.[1] ?? undefined));
  } catch {
    throw new Error('Unauthorized');
  }
  return allowAll();
};
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the local stack with a data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-stack-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const start = () =>
    startLocalStack({ dataDir, log: () => {}, server: { loadHandler: async () => ok, loadAuthorizer: async () => tokenAuthorizer } });

  it('keeps its token, tables and objects across a restart and leaves no Java process behind', async () => {
    const first = await start();
    const clients = createStoreClients(first.config);
    await clients.documents.send(new PutCommand({ TableName: requireTable(first.config, 'topics'), Item: { topic: 'kept', sk: 'meta' } }));
    await clients.s3.send(new PutObjectCommand({ Bucket: requireBucket(first.config), Key: 'seg/1', Body: 'segment' }));
    const firstPid = first.dynamodbPid!;
    expect(isAlive(firstPid)).toBe(true);
    await first.stop();
    expect(isAlive(firstPid)).toBe(false);
    expect(existsSync(join(dataDir, 'dynamodb.pid'))).toBe(false);

    const second = await start();
    try {
      expect(second.token).toBe(first.token);
      const res = await fetch(`${second.url}/v1/topics`, { headers: { Authorization: `Bearer ${second.token}` } });
      expect(res.status).toBe(200);
      const again = createStoreClients(second.config);
      const { TableNames } = await again.dynamodb.send(new ListTablesCommand({}));
      expect(TableNames).toEqual(expect.arrayContaining(Object.values(second.config.tables)));
      const { Item } = await again.documents.send(new GetCommand({ TableName: requireTable(second.config, 'topics'), Key: { topic: 'kept', sk: 'meta' } }));
      expect(Item).toEqual({ topic: 'kept', sk: 'meta' });
      const object = await again.s3.send(new GetObjectCommand({ Bucket: requireBucket(second.config), Key: 'seg/1' }));
      expect(await object.Body?.transformToString()).toBe('segment');
    } finally {
      await second.stop();
    }
    expect(isAlive(second.dynamodbPid!)).toBe(false);
  }, 180_000); // two DynamoDB Local starts: up to ~30 s each on a loaded 2-core machine

  it('refuses to start a second stack on a data directory that a running stack uses', async () => {
    const first = await start();
    try {
      await expect(start()).rejects.toThrow(/Another local stack/);
      expect(isAlive(first.dynamodbPid!)).toBe(true);
    } finally {
      await first.stop();
    }
  }, 120_000);
});

describe('startTestStack', () => {
  it('serves on a free port with a development token that the fresh tokens table knows', async () => {
    const stack = await startTestStack({ server: { loadHandler: async () => ok, loadAuthorizer: async () => tokenAuthorizer } });
    try {
      expect(stack.remote).toBe(false);
      expect(stack.config?.tables.tokens).toMatch(/^t[0-9a-f]{10}-tokens$/);
      const good = await fetch(`${stack.url}/v1/topics`, { headers: { Authorization: `Bearer ${stack.token}` } });
      expect(good.status).toBe(200);
      const bad = await fetch(`${stack.url}/v1/topics`, { headers: { Authorization: `Bearer ${stack.token}x` } });
      expect(bad.status).toBe(401);
    } finally {
      await stack.stop();
    }
  });
});

describe('DynamoDB Local start-up', () => {
  it('kills a DynamoDB Local left running by a crashed run, found through the pid file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-ddb-'));
    const pidFile = join(dir, 'dynamodb.pid');
    const stale = await startDynamoDbLocal({ dbPath: join(dir, 'db'), pidFile });
    const fresh = await startDynamoDbLocal({ dbPath: join(dir, 'db'), pidFile });
    try {
      expect(isAlive(stale.pid)).toBe(false);
      expect(isAlive(fresh.pid)).toBe(true);
    } finally {
      await fresh.stop();
      await stale.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(isAlive(fresh.pid)).toBe(false);
  }, 180_000);
});
