/**
 * HTTP behaviour that needs the local stack's insides: a token with narrow
 * permissions (403), the capacity header, and a store that is down (503).
 */
import { createToken } from '../../lambdas/core/auth';
import { createStoreClients } from '../../lambdas/store/clients';
import { parseCapacityHeader } from '../../lambdas/observability/capacity-meter';
import { DynamoTokenStore } from '../../lambdas/store/token-store';
import { startTestStack, type TestStack } from '../support/backends';
import { identityEvent } from '../support/events';
import { ApiClient, expectError } from '../support/http';

let stack: TestStack;
let admin: ApiClient;
let producerOnly: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ local: true });
  admin = new ApiClient(stack.url, stack.token);
  const config = stack.config!;
  const tokens = new DynamoTokenStore(createStoreClients(config).documents, config.tables.tokens!);
  const minted = await createToken(tokens, 'orders-producer', [{ topics: 'orders*', actions: ['produce'] }]);
  producerOnly = new ApiClient(stack.url, minted.token);
  expect((await admin.post('/v1/topics', { name: 'orders-eu', partitions: 2 })).status).toBe(201);
  expect((await admin.post('/v1/topics', { name: 'payments', partitions: 1 })).status).toBe(201);
});
afterAll(() => stack.stop());

describe('permissions', () => {
  it('lets a produce-only token produce to topics matching its pattern', async () => {
    const response = await producerOnly.post('/v1/topics/orders-eu/records', { records: [{ value: 1 }] });
    expect(response.status).toBe(200);
  });

  it('answers 403 FORBIDDEN for reads, other topics and administration', async () => {
    expectError(await producerOnly.get('/v1/topics/orders-eu/partitions/0/records?offset=0'), 403, 'FORBIDDEN');
    expectError(await producerOnly.post('/v1/topics/payments/records', { records: [{ value: 1 }] }), 403, 'FORBIDDEN');
    expectError(await producerOnly.post('/v1/topics', { name: 'orders-new', partitions: 1 }), 403, 'FORBIDDEN');
    expectError(await producerOnly.get('/v1/topics/payments'), 403, 'FORBIDDEN');
    expectError(await producerOnly.delete('/v1/topics/orders-eu'), 403, 'FORBIDDEN');
  });

  it('lists and describes only the topics the token holds a permission on (API.md: never 403 for the list)', async () => {
    const listed = await producerOnly.get('/v1/topics');
    expect(listed.status).toBe(200);
    const names = (listed.body.topics as Array<{ name: string }>).map((t) => t.name);
    expect(names).toContain('orders-eu');
    expect(names).not.toContain('payments');
    expect((await producerOnly.get('/v1/topics/orders-eu')).status).toBe(200);
  });

  it('checks the permission before validating or storing anything', async () => {
    const response = await producerOnly.post('/v1/topics/payments/records', { records: 'not even valid' });
    expectError(response, 403, 'FORBIDDEN');
  });
});

describe('capacity header', () => {
  it('reports one DynamoDB write and no read for a warm produce, and reads for a fetch', async () => {
    await admin.post('/v1/topics/payments/records', { records: [{ value: 'warm-up', partition: 0 }] });
    const produced = await admin.post('/v1/topics/payments/records', {
      records: Array.from({ length: 100 }, (_, i) => ({ key: `customer-${i % 10}`, value: { i, status: 'PAID' }, partition: 0 })),
    });
    const produceCost = parseCapacityHeader(produced.headers.get('x-tributary-capacity') ?? '');
    expect(produceCost).toMatchObject({ ddb: 1, rcu: 0, s3: 0 });
    expect(produceCost.wcu).toBeGreaterThan(0);
    const fetched = await admin.get('/v1/topics/payments/partitions/0/records?offset=1&limit=100');
    expect(fetched.body.records).toHaveLength(100);
    const fetchCost = parseCapacityHeader(fetched.headers.get('x-tributary-capacity') ?? '');
    expect(fetchCost.wcu).toBe(0);
    expect(fetchCost.rcu).toBeGreaterThan(0);
    expect(fetchCost.ddb).toBeLessThanOrEqual(3);
  });
});

describe('response size', () => {
  // Reproduction: five records of 300,000 empty strings each (~0.9 MB of JSON, but twice
  // that once the body is escaped into the Lambda result) made every fetch exceed Lambda's
  // 6 MB response limit, because the budget counted raw bytes.
  it('keeps a fetch of quote-heavy records under Lambda’s 6 MB response limit', async () => {
    await admin.post('/v1/topics', { name: 'quotes', partitions: 1 });
    const value = Array.from({ length: 300_000 }, () => '');
    for (let i = 0; i < 5; i++) {
      expect((await admin.post('/v1/topics/quotes/records', { records: [{ value }] })).status).toBe(200);
    }
    const response = await admin.get('/v1/topics/quotes/partitions/0/records?offset=0&limit=10');
    expect(response.status).toBe(200);
    expect(response.body.records.length).toBeGreaterThanOrEqual(1);
    expect(response.body.records.length).toBeLessThan(5);
    expect(response.body.nextOffset).toBe(response.body.records.length);
  });
});

describe('a store that does not answer', () => {
  it('answers 503 UNAVAILABLE with Retry-After, safe to retry, and no stack trace', async () => {
    const saved = { ...process.env };
    try {
      // A fresh copy of the handler whose DynamoDB endpoint is a closed port: every call fails to connect.
      process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:9';
      process.env.TRIBUTARY_MAX_ATTEMPTS = '2';
      jest.resetModules();
      const { handler } = await import('../../lambdas/handlers/topics');
      const result = await handler(identityEvent('GET', '/v1/topics', '/v1/topics'), {} as never);
      expect(result.statusCode).toBe(503);
      expect(JSON.parse(result.body)).toEqual({
        error: { code: 'UNAVAILABLE', message: expect.stringContaining('safe to retry') },
      });
      expect(result.headers?.['Retry-After']).toBe('1');
    } finally {
      process.env = saved;
    }
  });
});
