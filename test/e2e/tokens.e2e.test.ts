/**
 * The token-management part of API.md ("Authentication"), over HTTP as a
 * client sees it; also runs against a deployed URL (TRIBUTARY_URL,
 * TRIBUTARY_TOKEN with admin on `*`). Only effects that do not depend on the
 * authorizer cache are checked: a new token works at once (no cache entry
 * yet), and a revoked id is gone from the table (404 on a second DELETE).
 */
import { ApiClient, expectError, uniqueName } from '../support/http';
import { openTarget, type Target } from '../support/target';

let target: Target;
const topics: string[] = [];
const tokens: string[] = [];

beforeAll(async () => {
  target = await openTarget();
});
afterAll(async () => {
  for (const id of tokens) await target.client.delete(`/v1/tokens/${id}`);
  for (const name of topics) await target.client.delete(`/v1/topics/${name}`);
  await target.close();
});

async function mint(body: Record<string, unknown>) {
  const response = await target.client.post('/v1/tokens', body);
  if (response.status === 201) tokens.push(String(response.body.id));
  return response;
}

describe('Tokens API', () => {
  let topic: string;
  let minted: { id: string; token: string; name: string };
  beforeAll(async () => {
    topic = uniqueName('tokens');
    expect((await target.client.post('/v1/topics', { name: topic, partitions: 1 })).status).toBe(201);
    topics.push(topic);
    const name = uniqueName('e2e-producer');
    const response = await mint({ name, permissions: [{ topics: `${topic}*`, actions: ['produce'] }] });
    expect(response.status).toBe(201);
    minted = { id: response.body.id, token: response.body.token, name };
  });

  it('mints a token (201): its id, and the secret shown once', async () => {
    expect(minted.id).toMatch(/^[0-9a-f]{16}$/);
    expect(minted.token).toMatch(new RegExp(`^trb_${minted.id}_[A-Za-z0-9_-]{43}$`));
  });

  it('lets the new token do what it was granted at once, and nothing else (403)', async () => {
    const client = new ApiClient(target.client.baseUrl, minted.token);
    expect((await client.post(`/v1/topics/${topic}/records`, { records: [{ value: 'hello' }] })).status).toBe(200);
    expectError(await client.get(`/v1/topics/${topic}/partitions/0/records?offset=0`), 403, 'FORBIDDEN');
    expectError(await client.get('/v1/tokens'), 403, 'FORBIDDEN');
    const escalate = { name: 'escalate', permissions: [{ topics: '*', actions: ['admin'] }] };
    expectError(await client.post('/v1/tokens', escalate), 403, 'FORBIDDEN');
  });

  it('lists tokens with id, name, permissions and createdAt, never a secret', async () => {
    const response = await target.client.get('/v1/tokens');
    expect(response.status).toBe(200);
    expect(response.body.tokens).toEqual(
      expect.arrayContaining([
        {
          id: minted.id,
          name: minted.name,
          permissions: [{ topics: `${topic}*`, actions: ['produce'] }],
          createdAt: expect.any(Number),
        },
      ]),
    );
    expect(response.text).not.toContain(minted.token.slice(`trb_${minted.id}_`.length));
    expect(response.text).not.toMatch(/trb_|secretHash/);
  });

  it('revokes a token (204); a second DELETE answers 404 NOT_FOUND', async () => {
    const response = await mint({ name: uniqueName('e2e-revoked'), permissions: [{ topics: topic, actions: ['consume'] }] });
    expect(response.status).toBe(201);
    expect((await target.client.delete(`/v1/tokens/${response.body.id}`)).status).toBe(204);
    expectError(await target.client.delete(`/v1/tokens/${response.body.id}`), 404, 'NOT_FOUND');
    const listed = await target.client.get('/v1/tokens');
    expect((listed.body.tokens as Array<{ id: string }>).map((t) => t.id)).not.toContain(response.body.id);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expectError(await target.client.delete('/v1/tokens/ffffffffffffffff'), 404, 'NOT_FOUND');
    expectError(await target.client.delete('/v1/tokens/nope'), 400, 'INVALID_REQUEST');
  });

  it('answers 401 for a well-formed token that was never minted', async () => {
    const client = new ApiClient(target.client.baseUrl, `trb_${'0'.repeat(16)}_${'A'.repeat(43)}`);
    expectError(await client.get('/v1/tokens'), 401, 'UNAUTHENTICATED');
  });

  it.each([
    [{ name: 'n', permissions: [{ topics: 'a*', actions: [] }] }, 'permissions[0].actions'],
    [{ name: '', permissions: [{ topics: 'a*', actions: ['produce'] }] }, 'name'],
    [{ name: 'n', permissions: [{ topics: 'a b', actions: ['produce'] }] }, 'permissions[0].topics'],
    [{ name: 'n', permissions: [{ topics: 'a*', actions: ['produce'] }], admin: true }, 'admin'],
  ])('answers 400 INVALID_REQUEST naming the field for %j', async (body, field) => {
    const response = expectError(await mint(body), 400, 'INVALID_REQUEST');
    expect(response.body.error.message).toContain(field);
  });
});
