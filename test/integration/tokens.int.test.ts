/**
 * Token management over HTTP on the local stack, with a short authorizer
 * cache (1 s) so that revocation can be watched end to end: minting a
 * limited token, what it may and may not do, listing without secrets, and
 * revocation bounded by the authorizer cache TTL (60 s deployed).
 */
import { AUTHORIZER_CACHE_TTL } from '../../lib/api';
import { startTestStack, type TestStack } from '../support/backends';
import { ApiClient, expectError, type ApiResponse } from '../support/http';

const CACHE_TTL_MS = 1000;
const MARGIN_MS = 2000;

let stack: TestStack;
let admin: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ local: true, server: { authorizerCacheTtlMs: CACHE_TTL_MS } });
  admin = new ApiClient(stack.url, stack.token);
  expect((await admin.post('/v1/topics', { name: 'orders-eu', partitions: 2 })).status).toBe(201);
  expect((await admin.post('/v1/topics', { name: 'payments', partitions: 1 })).status).toBe(201);
});
afterAll(() => stack.stop());

/** Mints a token through the API and returns a client using it. */
interface Minted {
  id: string;
  token: string;
  client: ApiClient;
  response: ApiResponse;
}

async function mint(name: string, permissions: unknown): Promise<Minted> {
  const response = await admin.post('/v1/tokens', { name, permissions });
  expect(response.status).toBe(201);
  const { id, token } = response.body as { id: string; token: string };
  return { id, token, client: new ApiClient(stack.url, token), response };
}

/** Repeats `probe` until it answers 401; resolves the ms from `since` to that answer, or undefined at the deadline. */
async function msUntilRefused(probe: () => Promise<ApiResponse>, since: number, deadlineMs: number): Promise<number | undefined> {
  while (Date.now() - since <= deadlineMs) {
    const response = await probe();
    if (response.status === 401) {
      expectError(response, 401, 'UNAUTHENTICATED');
      return Date.now() - since;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

const produceOne = (client: ApiClient, topic: string) => client.post(`/v1/topics/${topic}/records`, { records: [{ value: 1 }] });

describe('a produce-only token minted with POST /v1/tokens', () => {
  let producer: Minted;
  beforeAll(async () => {
    producer = await mint('orders producer', [{ topics: 'orders*', actions: ['produce'] }]);
  });

  it('answers 201 with the id, the token (shown once, not cacheable), name, permissions and createdAt', () => {
    expect(producer.response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      token: expect.stringMatching(/^trb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/),
      name: 'orders producer',
      permissions: [{ topics: 'orders*', actions: ['produce'] }],
      createdAt: expect.any(Number),
    });
    expect(producer.token.startsWith(`trb_${producer.id}_`)).toBe(true);
    expect(producer.response.headers.get('cache-control')).toBe('no-store');
  });

  it('works at once and produces to a topic its pattern covers', async () => {
    expect((await produceOne(producer.client, 'orders-eu')).status).toBe(200);
  });

  it('answers 403 FORBIDDEN for consuming, other topics, topic creation and token management', async () => {
    expectError(await producer.client.get('/v1/topics/orders-eu/partitions/0/records?offset=0'), 403, 'FORBIDDEN');
    expectError(await produceOne(producer.client, 'payments'), 403, 'FORBIDDEN');
    expectError(await producer.client.post('/v1/topics', { name: 'orders-new', partitions: 1 }), 403, 'FORBIDDEN');
    expectError(
      await producer.client.post('/v1/tokens', { name: 'escalate', permissions: [{ topics: '*', actions: ['admin'] }] }),
      403,
      'FORBIDDEN',
    );
    expectError(await producer.client.get('/v1/tokens'), 403, 'FORBIDDEN');
    expectError(await producer.client.delete(`/v1/tokens/${producer.id}`), 403, 'FORBIDDEN');
  });

  it('is listed by GET /v1/tokens without its secret or hash', async () => {
    const response = await admin.get('/v1/tokens');
    expect(response.status).toBe(200);
    const listed = (response.body.tokens as Array<Record<string, unknown>>).find((t) => t.id === producer.id);
    expect(listed).toEqual({
      id: producer.id,
      name: 'orders producer',
      permissions: [{ topics: 'orders*', actions: ['produce'] }],
      createdAt: producer.response.body.createdAt,
    });
    const secret = producer.token.slice(`trb_${producer.id}_`.length);
    expect(response.text).not.toContain(secret);
    expect(response.text).not.toContain('trb_');
    expect(response.text).not.toMatch(/secretHash|[0-9a-f]{64}/);
    for (const token of response.body.tokens as Array<Record<string, unknown>>) {
      expect(Object.keys(token).sort()).toEqual(['createdAt', 'id', 'name', 'permissions']);
    }
  });
});

describe('admin on a topic pattern is not token administration', () => {
  it('needs admin on * for every token route', async () => {
    const { client, id } = await mint('orders admin', [{ topics: 'orders*', actions: ['admin', 'produce', 'consume'] }]);
    const narrow = { name: 'x', permissions: [{ topics: 'orders*', actions: ['produce'] }] };
    expectError(await client.post('/v1/tokens', narrow), 403, 'FORBIDDEN');
    expectError(await client.get('/v1/tokens'), 403, 'FORBIDDEN');
    expectError(await client.delete(`/v1/tokens/${id}`), 403, 'FORBIDDEN');
  });
});

describe('revocation', () => {
  it('refuses the token (401) once the authorizer cache entry expires: the TTL bounds revocation', async () => {
    const victim = await mint('short-lived', [{ topics: 'orders*', actions: ['produce'] }]);
    // Cache an Allow for this exact Authorization header.
    const warmedAt = Date.now();
    expect((await produceOne(victim.client, 'orders-eu')).status).toBe(200);

    expect((await admin.delete(`/v1/tokens/${victim.id}`)).status).toBe(204);
    const revokedAt = Date.now();

    // A header the cache has not seen reaches the authorizer, which reads the store: refused at once.
    const variant = { token: null, headers: { Authorization: `bearer  ${victim.token}` } };
    const uncached = await victim.client.get('/v1/tokens', variant);
    expectError(uncached, 401, 'UNAUTHENTICATED');

    // The cached header keeps passing the authorizer (403 here: it lacks admin) until its entry expires.
    const before = Date.now();
    const cached = await victim.client.get('/v1/tokens');
    if (Date.now() < warmedAt + CACHE_TTL_MS && before >= warmedAt) expectError(cached, 403, 'FORBIDDEN');

    const elapsed = await msUntilRefused(() => victim.client.get('/v1/tokens'), revokedAt, CACHE_TTL_MS + MARGIN_MS);
    expect(elapsed).toBeDefined();
    expect(elapsed!).toBeLessThanOrEqual(CACHE_TTL_MS + MARGIN_MS);
    // Produce, the one thing it could do, is refused as well.
    expectError(await produceOne(victim.client, 'orders-eu'), 401, 'UNAUTHENTICATED');
  });

  it('bounds revocation by the deployed authorizer cache TTL: 60 s', () => {
    // The local server runs the same authorizer and the same keyed cache; only the TTL differs.
    expect(AUTHORIZER_CACHE_TTL.toMilliseconds()).toBe(60_000);
  });

  it('lets a token revoke itself (204), after which it is refused', async () => {
    const self = await mint('self-revoking admin', [{ topics: '*', actions: ['admin'] }]);
    expect((await self.client.delete(`/v1/tokens/${self.id}`)).status).toBe(204);
    const revokedAt = Date.now();
    expect(await msUntilRefused(() => self.client.get('/v1/tokens'), revokedAt, CACHE_TTL_MS + MARGIN_MS)).toBeDefined();
    const listed = await admin.get('/v1/tokens');
    expect((listed.body.tokens as Array<{ id: string }>).map((t) => t.id)).not.toContain(self.id);
  });

  it('answers 404 NOT_FOUND for an unknown or already revoked id, and 400 for a malformed one', async () => {
    expectError(await admin.delete('/v1/tokens/0123456789abcdef'), 404, 'NOT_FOUND');
    const { id } = await mint('twice', [{ topics: 'x', actions: ['consume'] }]);
    expect((await admin.delete(`/v1/tokens/${id}`)).status).toBe(204);
    expectError(await admin.delete(`/v1/tokens/${id}`), 404, 'NOT_FOUND');
    const malformed = expectError(await admin.delete('/v1/tokens/not-a-token-id'), 400, 'INVALID_REQUEST');
    expect(malformed.body.error.message).toMatch(/^id: /);
  });
});

describe('validation of POST /v1/tokens', () => {
  const good = { name: 'n', permissions: [{ topics: 'orders*', actions: ['produce'] }] };

  it.each([
    [{ ...good, permissions: [{ topics: 'orders*', actions: [] }] }, 'permissions[0].actions'],
    [{ ...good, permissions: [{ topics: 'orders*', actions: ['produce', 'produce'] }] }, 'permissions[0].actions[1]'],
    [{ ...good, permissions: [{ topics: 'orders*', actions: ['write'] }] }, 'permissions[0].actions[0]'],
    [{ ...good, name: '' }, 'name'],
    [{ ...good, name: 'x'.repeat(129) }, 'name'],
    [{ permissions: good.permissions }, 'name'],
    [{ ...good, permissions: [{ topics: 'or*ders', actions: ['produce'] }] }, 'permissions[0].topics'],
    [{ ...good, permissions: [] }, 'permissions'],
    [{ ...good, colour: 'red' }, 'colour'],
    [{ ...good, permissions: [{ ...good.permissions[0], groups: '*' }] }, 'permissions[0].groups'],
  ])('answers 400 INVALID_REQUEST naming the field for %j', async (body, field) => {
    const response = expectError(await admin.post('/v1/tokens', body), 400, 'INVALID_REQUEST');
    expect(response.body.error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('answers 400 for a body that is not JSON, and stores nothing for invalid bodies', async () => {
    const before = (await admin.get('/v1/tokens')).body.tokens.length;
    expectError(await admin.request('POST', '/v1/tokens', { rawBody: '{"name": ' }), 400, 'INVALID_REQUEST');
    expectError(await admin.request('POST', '/v1/tokens'), 400, 'INVALID_REQUEST');
    expectError(await admin.post('/v1/tokens', { ...good, name: '' }), 400, 'INVALID_REQUEST');
    expect((await admin.get('/v1/tokens')).body.tokens.length).toBe(before);
  });
});
