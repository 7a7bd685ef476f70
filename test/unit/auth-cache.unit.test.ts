/**
 * The token cache of function-side auth mode (`CachingAuthenticator`) and
 * the one reading of the `Authorization` header shared by the authorizer,
 * the functions and the local server.
 */
import { CachingAuthenticator, createToken, TOKEN_CACHE_TTL_MS, type StoredToken, type TokenStore } from '../../lambdas/core/auth';
import { UnauthenticatedError } from '../../lambdas/core/errors';
import { authorizationValues, singleAuthorization } from '../../lambdas/http/authorization';
import { rawHeaderValues } from '../../local/server';

/** A token store in memory that counts its reads. */
class MemoryTokens implements TokenStore {
  readonly tokens = new Map<string, StoredToken>();
  reads = 0;
  async get(id: string) {
    this.reads += 1;
    return this.tokens.get(id);
  }
  async put(token: StoredToken) {
    this.tokens.set(token.id, token);
  }
  async list() {
    return [...this.tokens.values()];
  }
  async delete(id: string) {
    return this.tokens.delete(id);
  }
}

describe('CachingAuthenticator', () => {
  it('reads a valid token once per TOKEN_CACHE_TTL_MS (60 s), and again after', async () => {
    const store = new MemoryTokens();
    const { token, id } = await createToken(store, 'a', [{ topics: '*', actions: ['admin'] }]);
    let now = 1_000_000;
    const tokens = new CachingAuthenticator(store, { now: () => now });
    expect(TOKEN_CACHE_TTL_MS).toBe(60_000);
    await expect(tokens.authenticate(token)).resolves.toMatchObject({ tokenId: id });
    now += TOKEN_CACHE_TTL_MS - 1;
    await tokens.authenticate(token);
    expect(store.reads).toBe(1);
    now += 1;
    await tokens.authenticate(token);
    expect(store.reads).toBe(2);
  });

  it('refuses a revoked token once the bound has passed', async () => {
    const store = new MemoryTokens();
    const { token, id } = await createToken(store, 'a', [{ topics: '*', actions: ['admin'] }]);
    let now = 0;
    const tokens = new CachingAuthenticator(store, { now: () => now });
    await tokens.authenticate(token);
    await store.delete(id);
    now = TOKEN_CACHE_TTL_MS;
    await expect(tokens.authenticate(token)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('remembers no failure: a token refused once is accepted as soon as it exists', async () => {
    const elsewhere = new MemoryTokens();
    const store = new MemoryTokens();
    const tokens = new CachingAuthenticator(store);
    const late = await createToken(elsewhere, 'late', []);
    await expect(tokens.authenticate(late.token)).rejects.toBeInstanceOf(UnauthenticatedError);
    await store.put(elsewhere.tokens.get(late.id)!);
    await expect(tokens.authenticate(late.token)).resolves.toMatchObject({ name: 'late' });
    await expect(tokens.authenticate(undefined)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('keeps at most maxEntries tokens, dropping the oldest', async () => {
    const store = new MemoryTokens();
    const tokens = new CachingAuthenticator(store, { maxEntries: 2 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => createToken(store, name, [])));
    for (const t of [a!, b!, c!]) await tokens.authenticate(t.token);
    store.reads = 0;
    await tokens.authenticate(c!.token);
    await tokens.authenticate(b!.token);
    expect(store.reads).toBe(0);
    await tokens.authenticate(a!.token);
    expect(store.reads).toBe(1);
  });
});

describe('the Authorization header, read once', () => {
  it('collects every value, whatever the case of the name, preferring multiValueHeaders', () => {
    expect(authorizationValues({ Authorization: 'b' }, { Authorization: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(authorizationValues({ authorization: 'a', AUTHORIZATION: 'b' }, null)).toEqual(['a', 'b']);
    expect(authorizationValues({ 'x-other': 'a' }, undefined)).toEqual([]);
  });

  it('gives the one value, none, or refuses two with 401', () => {
    expect(singleAuthorization({ Authorization: 'Bearer x' }, { Authorization: ['Bearer x'] })).toBe('Bearer x');
    expect(singleAuthorization({}, {})).toBeUndefined();
    expect(() => singleAuthorization({}, { Authorization: ['Bearer x'], authorization: ['Bearer y'] })).toThrow(UnauthenticatedError);
  });

  it('reads every line of Node rawHeaders on the local server', () => {
    expect(rawHeaderValues(['Host', 'h', 'Authorization', 'a', 'authorization', 'b'], 'authorization')).toEqual(['a', 'b']);
    expect(rawHeaderValues(['Host', 'h'], 'authorization')).toEqual([]);
  });
});
