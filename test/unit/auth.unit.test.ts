/** Token rules as pure logic: patterns, permissions, the token-management schemas, the core functions, log redaction. */
import {
  authenticate,
  authorize,
  authorizeAny,
  createToken,
  isAllowed,
  listTokens,
  mayUseTopic,
  patternCovers,
  revokeToken,
  type StoredToken,
  type TokenStore,
  type TokenSummary,
} from '../../lambdas/core/auth';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidRequestError, TributaryError } from '../../lambdas/core/errors';
import { logger, redact, REDACTED } from '../../lambdas/http/logger';
import { ROUTES } from '../../lambdas/http/routes';
import { parseCreateToken, parseTokenId, TOPIC_PATTERN } from '../../lambdas/http/token-schemas';

/** An in-memory TokenStore with the Dynamo store's semantics. */
class MemoryTokenStore implements TokenStore {
  readonly items = new Map<string, StoredToken>();
  async get(id: string) {
    return this.items.get(id);
  }
  async put(token: StoredToken) {
    if (this.items.has(token.id)) throw new Error('exists');
    this.items.set(token.id, { ...token });
  }
  async list(): Promise<TokenSummary[]> {
    // Like a Scan with a projection: no hashes.
    return [...this.items.values()].reverse().map(({ secretHash: _hash, ...summary }) => summary);
  }
  async delete(id: string) {
    return this.items.delete(id);
  }
}

function fieldOf(body: unknown): string | undefined {
  try {
    parseCreateToken(body);
    return undefined;
  } catch (error) {
    if (!(error instanceof InvalidRequestError)) throw error;
    return error.field;
  }
}

const ok = { name: 'orders producer', permissions: [{ topics: 'orders*', actions: ['produce'] }] };

describe('patternCovers', () => {
  it.each([
    ['orders', 'orders', true],
    ['orders', 'orders-eu', false],
    ['orders', 'order', false],
    ['orders*', 'orders', true],
    ['orders*', 'orders-eu', true],
    ['orders*', 'order', false],
    ['orders*', 'ORDERS-eu', false],
    ['*', 'anything', true],
    ['*', '*', true],
    ['orders*', '*', false],
    ['orders', '*', false],
  ])('%s covers %s: %s', (pattern, topic, expected) => {
    expect(patternCovers(pattern, topic)).toBe(expected);
  });

  it('treats regex metacharacters literally ("." is a topic-name character)', () => {
    expect(patternCovers('a.b*', 'a.b-1')).toBe(true);
    expect(patternCovers('a.b*', 'axb-1')).toBe(false);
  });
});

describe('authorize', () => {
  const identity = {
    tokenId: 't',
    name: 'n',
    permissions: [
      { topics: 'orders*', actions: ['produce' as const] },
      { topics: 'payments', actions: ['consume' as const, 'admin' as const] },
    ],
  };

  it('combines permissions: any one that covers the topic with the action allows', () => {
    expect(isAllowed(identity, 'produce', 'orders-eu')).toBe(true);
    expect(isAllowed(identity, 'consume', 'payments')).toBe(true);
    expect(isAllowed(identity, 'admin', 'payments')).toBe(true);
    expect(isAllowed(identity, 'produce', 'payments')).toBe(false);
    expect(isAllowed(identity, 'consume', 'orders-eu')).toBe(false);
  });

  it('needs a `*` pattern for all-topics actions (token management, topic list)', () => {
    expect(() => authorize(identity, 'admin', '*')).toThrow(/'admin' permission on all topics/);
    expect(() => authorize({ ...identity, permissions: [{ topics: '*', actions: ['admin'] }] }, 'admin', '*')).not.toThrow();
  });

  it('lets any one permission on a topic read it (describe, the topic list), and no permission none', () => {
    expect(mayUseTopic(identity, 'orders-eu')).toBe(true);
    expect(mayUseTopic(identity, 'payments')).toBe(true);
    expect(mayUseTopic(identity, 'payments-eu')).toBe(false);
    expect(mayUseTopic(identity, 'ord')).toBe(false);
    expect(() => authorizeAny(identity, 'orders-x')).not.toThrow();
    expect(() => authorizeAny(identity, 'refunds')).toThrow("The token lacks the 'produce, consume or admin' permission on topic 'refunds'.");
  });

  it('gives the `any` route action only to routes with the topic in the path, and `none` only to routes that name no topic', () => {
    for (const route of ROUTES) {
      if (route.action === 'any') expect(route.topicIn).toBe('path');
      if (route.action === 'none') expect(route.topicIn).toBe('none');
    }
    expect(ROUTES.find((r) => r.operation === 'describeTopic')?.action).toBe('any');
    expect(ROUTES.find((r) => r.operation === 'listTopics')?.action).toBe('none');
  });

  it('throws FORBIDDEN naming the action and topic', () => {
    try {
      authorize(identity, 'consume', 'orders-eu');
      throw new Error('expected a ForbiddenError');
    } catch (error) {
      expect(error).toBeInstanceOf(TributaryError);
      expect((error as TributaryError).code).toBe('FORBIDDEN');
      expect((error as Error).message).toBe("The token lacks the 'consume' permission on topic 'orders-eu'.");
    }
  });
});

describe('topic patterns of a new token', () => {
  it.each(['orders', 'orders*', '*', 'a.b_c-D9', 'x'.repeat(249), `${'x'.repeat(248)}*`])('accepts %s', (pattern) => {
    expect(TOPIC_PATTERN.test(pattern)).toBe(true);
  });
  it.each(['', '**', 'or*ders', '*orders', 'orders**', 'bad name', 'ä', 'x'.repeat(250), `${'x'.repeat(249)}*`, 'a/b'])(
    'refuses %j',
    (pattern) => {
      expect(TOPIC_PATTERN.test(pattern)).toBe(false);
    },
  );
});

describe('parseCreateToken', () => {
  it('accepts a valid body and returns it unchanged', () => {
    expect(parseCreateToken(ok)).toEqual(ok);
    const all = { name: 'ops ✓ 日本', permissions: [{ topics: '*', actions: ['admin', 'consume', 'produce'] }] };
    expect(parseCreateToken(all)).toEqual(all);
  });

  it('accepts names of 1 and 128 characters (code points) and 100 permissions', () => {
    expect(fieldOf({ ...ok, name: 'x' })).toBeUndefined();
    expect(fieldOf({ ...ok, name: '😀'.repeat(128) })).toBeUndefined();
    const many = Array.from({ length: 100 }, (_, i) => ({ topics: `t${i}`, actions: ['consume'] }));
    expect(fieldOf({ ...ok, permissions: many })).toBeUndefined();
  });

  it.each([
    ['no body object', null, 'body'],
    ['an array body', [ok], 'body'],
    ['missing name', { permissions: ok.permissions }, 'name'],
    ['empty name', { ...ok, name: '' }, 'name'],
    ['name of 129 characters', { ...ok, name: 'x'.repeat(129) }, 'name'],
    ['name with a newline', { ...ok, name: 'a\nb' }, 'name'],
    ['name with a NUL', { ...ok, name: 'a\u0000b' }, 'name'],
    ['name with a bidi override', { ...ok, name: 'a\u202eb' }, 'name'],
    ['name not a string', { ...ok, name: 42 }, 'name'],
    ['missing permissions', { name: 'n' }, 'permissions'],
    ['permissions not an array', { ...ok, permissions: { topics: '*', actions: ['produce'] } }, 'permissions'],
    ['no permissions', { ...ok, permissions: [] }, 'permissions'],
    [
      '101 permissions',
      { ...ok, permissions: Array.from({ length: 101 }, () => ({ topics: '*', actions: ['consume'] })) },
      'permissions',
    ],
    ['missing topics', { ...ok, permissions: [{ actions: ['produce'] }] }, 'permissions[0].topics'],
    ['topics with a * inside', { ...ok, permissions: [{ topics: 'or*ders', actions: ['produce'] }] }, 'permissions[0].topics'],
    ['topics not a topic name', { ...ok, permissions: [{ topics: 'bad name', actions: ['produce'] }] }, 'permissions[0].topics'],
    ['topics empty', { ...ok, permissions: [{ topics: '', actions: ['produce'] }] }, 'permissions[0].topics'],
    ['topics an array', { ...ok, permissions: [{ topics: ['a'], actions: ['produce'] }] }, 'permissions[0].topics'],
    ['missing actions', { ...ok, permissions: [{ topics: '*' }] }, 'permissions[0].actions'],
    ['no actions', { ...ok, permissions: [{ topics: '*', actions: [] }] }, 'permissions[0].actions'],
    ['actions a string', { ...ok, permissions: [{ topics: '*', actions: 'produce' }] }, 'permissions[0].actions'],
    ['unknown action', { ...ok, permissions: [{ topics: '*', actions: ['produce', 'write'] }] }, 'permissions[0].actions[1]'],
    ['action in upper case', { ...ok, permissions: [{ topics: '*', actions: ['PRODUCE'] }] }, 'permissions[0].actions[0]'],
    [
      'duplicate action',
      { ...ok, permissions: [ok.permissions[0], { topics: '*', actions: ['consume', 'admin', 'consume'] }] },
      'permissions[1].actions[2]',
    ],
    ['unknown top-level field', { ...ok, expiresAt: 1 }, 'expiresAt'],
    ['a caller-chosen secret', { ...ok, token: 'trb_0123456789abcdef_x' }, 'token'],
    [
      'unknown permission field',
      { ...ok, permissions: [{ topics: '*', actions: ['produce'], groups: '*' }] },
      'permissions[0].groups',
    ],
  ])('refuses %s, naming %s', (_case, body, field) => {
    expect(fieldOf(body)).toBe(field);
  });

  it('puts the field name at the start of the message', () => {
    expect(() => parseCreateToken({ ...ok, permissions: [{ topics: '*', actions: [] }] })).toThrow(
      'permissions[0].actions: at least one action is required',
    );
  });
});

describe('parseTokenId', () => {
  it('accepts 16 lower-case hex digits', () => {
    expect(parseTokenId('0123456789abcdef')).toBe('0123456789abcdef');
  });
  it.each([undefined, '', '0123456789ABCDEF', '0123456789abcde', '0123456789abcdef0', 'trb_0123456789abcdef_secret'])(
    'refuses %j with a 400 naming id, without echoing the value',
    (raw) => {
      try {
        parseTokenId(raw);
        throw new Error('expected an InvalidRequestError');
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidRequestError);
        expect((error as InvalidRequestError).field).toBe('id');
        if (raw) expect((error as Error).message).not.toContain(raw);
      }
    },
  );
});

describe('createToken, listTokens, revokeToken, authenticate', () => {
  it('mints a token whose secret is stored only as a hash, and authenticates it', async () => {
    const store = new MemoryTokenStore();
    const created = await createToken(store, 'p', [{ topics: 'orders*', actions: ['produce'] }], 1000);
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      token: expect.stringMatching(/^trb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/),
      name: 'p',
      permissions: [{ topics: 'orders*', actions: ['produce'] }],
      createdAt: 1000,
    });
    const secret = created.token.split('_').slice(2).join('_');
    const stored = store.items.get(created.id)!;
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored.secretHash).toMatch(/^[0-9a-f]{64}$/);
    await expect(authenticate(store, created.token)).resolves.toEqual({
      tokenId: created.id,
      name: 'p',
      permissions: created.permissions,
    });
  });

  it('refuses a token with the right id but a wrong secret', async () => {
    const store = new MemoryTokenStore();
    const { token } = await createToken(store, 'p', [{ topics: '*', actions: ['consume'] }]);
    const forged = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    await expect(authenticate(store, forged)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('lists oldest first without secrets or hashes', async () => {
    const store = new MemoryTokenStore();
    const b = await createToken(store, 'b', [{ topics: '*', actions: ['consume'] }], 2000);
    const a = await createToken(store, 'a', [{ topics: '*', actions: ['produce'] }], 1000);
    const listed = await listTokens(store);
    expect(listed.map((t) => t.id)).toEqual([a.id, b.id]);
    expect(listed[0]).toEqual({ id: a.id, name: 'a', permissions: [{ topics: '*', actions: ['produce'] }], createdAt: 1000 });
    expect(JSON.stringify(listed)).not.toMatch(/secretHash|trb_/);
  });

  it('revokes: the token no longer authenticates, and a second revoke is NOT_FOUND', async () => {
    const store = new MemoryTokenStore();
    const { id, token } = await createToken(store, 'p', [{ topics: '*', actions: ['consume'] }]);
    await revokeToken(store, id);
    await expect(authenticate(store, token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(revokeToken(store, id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('log redaction', () => {
  const token = 'trb_0123456789abcdef_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde';

  /** What the logger prints (Powertools writes info to stdout, warn/error to stderr). */
  function captureOutput(run: () => void): string {
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
    const spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
    try {
      run();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    return lines.join('');
  }

  it('prints [REDACTED] for an authorization header or a token field, wherever they are nested', () => {
    const out = captureOutput(() => {
      logger.info('request', {
        headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        created: { id: '0123456789abcdef', token },
        tokenId: '0123456789abcdef',
      });
    });
    expect(out).not.toContain(token);
    expect(out).not.toContain('AbCdEfGhIj');
    const line = JSON.parse(out.trim()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(line.headers).toEqual({ Authorization: REDACTED, 'content-type': 'application/json' });
    expect(line.created).toEqual({ id: '0123456789abcdef', token: REDACTED });
    expect(line.tokenId).toBe('0123456789abcdef');
  });

  it('redacts a token inside any other string, an error message included', () => {
    const out = captureOutput(() => {
      logger.error(`could not parse ${token}`, { error: new Error(`bad header Bearer ${token}`) });
    });
    expect(out).not.toContain('AbCdEfGhIj');
    expect(out).toContain(`could not parse ${REDACTED}`);
    expect(out).toContain(`bad header Bearer ${REDACTED}`);
  });

  it('leaves other values alone', () => {
    expect(redact('name', 'orders producer')).toBe('orders producer');
    expect(redact('tokens', 3)).toBe(3);
    expect(redact('secretHash', 'ab12')).toBe(REDACTED);
    expect(redact('token', undefined)).toBeUndefined();
  });
});

describe('docs/SECURITY.md', () => {
  const rows = readFileSync(join(__dirname, '../../docs/SECURITY.md'), 'utf8')
    .split('\n')
    .filter((line) => /^\| (GET|POST|PATCH|PUT|DELETE) \| `\/(v1|upstash)\//.test(line));

  it('lists every route of ROUTES with its operation and action, and no other', () => {
    expect(rows).toHaveLength(ROUTES.length);
    for (const route of ROUTES) {
      const prefix = `| ${route.method} | \`${route.path}\` | ${route.operation} | ${route.action} | `;
      expect(rows.filter((row) => row.startsWith(prefix))).toHaveLength(1);
      if (route.topicIn === 'none') expect(rows.find((row) => row.startsWith(prefix))).toContain('`*`');
    }
  });

  it('says token management needs admin on *', () => {
    for (const route of ROUTES.filter((r) => r.handler === 'tokens')) {
      expect(route).toMatchObject({ action: 'admin', topicIn: 'none' });
    }
  });
});
