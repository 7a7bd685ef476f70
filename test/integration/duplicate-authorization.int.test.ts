/**
 * Two `Authorization` headers on the local stack (issue 16, §5).
 *
 * Reproduction: the local server keyed its authorizer cache on the first
 * `Authorization` header (Node's `req.headers` keeps the first) while the
 * authorizer event carried the last, so `GET /v1/tokens` with a consume-only
 * token followed by the admin token answered 200 and cached "allowed" under
 * the narrow token, which then answered 200 alone for the cache's lifetime.
 * Now any request carrying the header more than once is refused (401).
 */
import { connect } from 'node:net';
import { ApiClient } from '../support/http';
import { startTestStack, type TestStack } from '../support/backends';

let stack: TestStack;
let admin: ApiClient;
let narrow: string;

beforeAll(async () => {
  // The real authorizer with the real 60 s cache, as `npm start` runs it.
  stack = await startTestStack({ local: true, server: { authorizerCacheTtlMs: 60_000 } });
  admin = new ApiClient(stack.url, stack.token);
  const minted = await admin.post('/v1/tokens', { name: 'narrow', permissions: [{ topics: 'orders*', actions: ['consume'] }] });
  expect(minted.status).toBe(201);
  narrow = minted.body.token as string;
});

afterAll(async () => {
  await stack?.stop();
});

/** Sends a request with exactly these header lines (names as written) and returns status and body. */
function rawRequest(method: string, path: string, headers: Array<[string, string]>): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const lines = [`${method} ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close', ...headers.map(([n, v]) => `${n}: ${v}`)];
    socket.on('connect', () => socket.write(`${lines.join('\r\n')}\r\n\r\n`));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}

const bearer = (token: string) => `Bearer ${token}`;

describe('a request with two Authorization headers on the local stack', () => {
  it('is refused with 401 when a narrow token comes before the admin token, and the narrow token alone stays 403', async () => {
    const both = await rawRequest('GET', '/v1/tokens', [
      ['Authorization', bearer(narrow)],
      ['Authorization', bearer(stack.token)],
    ]);
    expect(both.status).toBe(401);
    expect(JSON.parse(both.body)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    // Before the fix this answered 200 for 60 s: the admin's answer was cached under the narrow token.
    const alone = await rawRequest('GET', '/v1/tokens', [['Authorization', bearer(narrow)]]);
    expect(alone.status).toBe(403);
  });

  it('is refused with 401 in the other order, and under names that differ only in case', async () => {
    expect((await rawRequest('GET', '/v1/tokens', [['Authorization', bearer(stack.token)], ['Authorization', bearer(narrow)]])).status).toBe(401);
    expect((await rawRequest('GET', '/v1/tokens', [['authorization', bearer(narrow)], ['AUTHORIZATION', bearer(stack.token)]])).status).toBe(401);
  });

  it('is refused with 401 even when both headers carry the same valid token', async () => {
    const same = await rawRequest('GET', '/v1/tokens', [['Authorization', bearer(stack.token)], ['Authorization', bearer(stack.token)]]);
    expect(same.status).toBe(401);
  });

  it('is served as before with one Authorization header', async () => {
    expect((await rawRequest('GET', '/v1/tokens', [['authorization', bearer(stack.token)]])).status).toBe(200);
    expect((await rawRequest('GET', '/v1/tokens', [['Authorization', bearer(narrow)]])).status).toBe(403);
  });

  it('lets no concurrent mix of single and doubled requests leave the narrow token with admin rights', async () => {
    const requests = Array.from({ length: 24 }, (_, i) =>
      i % 2 === 0
        ? rawRequest('GET', '/v1/tokens', [['Authorization', bearer(narrow)], ['Authorization', bearer(stack.token)]])
        : rawRequest('GET', '/v1/tokens', [['Authorization', bearer(i % 4 === 1 ? stack.token : narrow)]]),
    );
    const statuses = (await Promise.all(requests)).map((r) => r.status);
    statuses.forEach((status, i) => expect([i, status]).toEqual([i, i % 2 === 0 ? 401 : i % 4 === 1 ? 200 : 403]));
    expect((await rawRequest('GET', '/v1/tokens', [['Authorization', bearer(narrow)]])).status).toBe(403);
  });
});
