/**
 * Bearer tokens and permissions. A token is `trb_<id>_<secret>`: the id
 * finds the stored record, the secret is checked against a SHA-256 hash in
 * constant time. Secrets are 256 random bits, so a fast hash is enough (no
 * password stretching needed); the secret itself is never stored or logged.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from './errors';

/**
 * What a token may do on a topic: `produce` (append), `consume` (read and
 * acknowledge), `admin` (create, change, delete, manage tokens). The route
 * table (`http/routes.ts`) names one per route.
 */
export type Action = 'produce' | 'consume' | 'admin';

/** One grant of a token: some actions on the topics a pattern covers. */
export interface Permission {
  /** Exact topic name, or a prefix ending in `*` (`*` alone: every topic). */
  topics: string;
  actions: Action[];
}

/** The checked identity that handlers receive; never contains the secret. */
export interface Identity {
  tokenId: string;
  name: string;
  permissions: Permission[];
}

/** A token as listed: everything but the secret's hash. */
export interface TokenSummary {
  id: string;
  name: string;
  permissions: Permission[];
  /** Epoch milliseconds. */
  createdAt: number;
}

/** A token as stored: the SHA-256 (hex) of the secret, never the secret. */
export interface StoredToken extends TokenSummary {
  secretHash: string;
}

/** What a freshly minted token reports; `token` is the only time the secret is seen. */
export interface CreatedToken extends TokenSummary {
  token: string;
}

/** The tokens table, as the token functions need it. */
export interface TokenStore {
  get(id: string): Promise<StoredToken | undefined>;
  put(token: StoredToken): Promise<void>;
  /** Every token, without its hash, in no particular order. */
  list(): Promise<TokenSummary[]>;
  /** Deletes a token; false when there was none with this id. */
  delete(id: string): Promise<boolean>;
}

/** A token id: 16 lower-case hex digits (the `<id>` of `trb_<id>_<secret>`). */
export const TOKEN_ID_PATTERN = /^[0-9a-f]{16}$/;

const TOKEN_PATTERN = /^trb_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** Every action on every topic (the local development token). */
export const ALL_PERMISSIONS: Permission[] = [{ topics: '*', actions: ['produce', 'consume', 'admin'] }];

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Creates and stores a token; the returned secret is shown to the caller once. */
export async function createToken(
  store: TokenStore,
  name: string,
  permissions: Permission[],
  now = Date.now(),
): Promise<CreatedToken> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await store.put({ id, name, secretHash: hashSecret(secret), permissions, createdAt: now });
  return { id, token: `trb_${id}_${secret}`, name, permissions, createdAt: now };
}

/** Every token, oldest first (ties by id); never a secret or a hash. */
export async function listTokens(store: TokenStore): Promise<TokenSummary[]> {
  const tokens = await store.list();
  return tokens
    .map(({ id, name, permissions, createdAt }) => ({ id, name, permissions, createdAt }))
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Deletes a token (any token, the caller's own included); throws
 * NotFoundError when there is none with this id. Requests that the API
 * Gateway authorizer cache already admitted keep working until the cached
 * answer expires (at most 60 s deployed).
 */
export async function revokeToken(store: TokenStore, id: string): Promise<void> {
  if (!(await store.delete(id))) throw new NotFoundError(`Token '${id}'`);
}

/** Extracts the token from an `Authorization` header value. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** The credentials an `Authorization` header carries: the scheme, and the token (undefined when malformed). */
export interface Credentials {
  readonly scheme: 'bearer' | 'basic';
  readonly token: string | undefined;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Reads `Bearer <token>`, or `Basic base64(username:token)` as the Upstash
 * Kafka SDK sends it (the token is the password; the username is not
 * checked). Malformed Basic credentials (not base64, no colon, empty
 * password) keep the scheme with no token; any other scheme is undefined.
 */
export function credentialsOf(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const bearer = bearerToken(header);
  if (bearer !== undefined) return { scheme: 'bearer', token: bearer };
  const basic = /^Basic(?:\s+(.*))?$/is.exec(header);
  if (!basic) return undefined;
  const encoded = (basic[1] ?? '').trim();
  if (encoded === '' || !BASE64.test(encoded)) return { scheme: 'basic', token: undefined };
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  return { scheme: 'basic', token: password === '' ? undefined : password };
}

/** Verifies a token; throws UnauthenticatedError for anything but a valid, existing token. */
export async function authenticate(store: TokenStore, token: string | undefined): Promise<Identity> {
  const match = token ? TOKEN_PATTERN.exec(token) : null;
  if (!match) throw new UnauthenticatedError();
  const [, id, secret] = match as unknown as [string, string, string];
  const stored = await store.get(id);
  const expected = Buffer.from(stored?.secretHash ?? hashSecret('no-such-token'), 'hex');
  const actual = Buffer.from(hashSecret(secret), 'hex');
  if (!stored || !timingSafeEqual(expected, actual)) throw new UnauthenticatedError();
  return { tokenId: stored.id, name: stored.name, permissions: stored.permissions };
}

/** True when `pattern` (exact, or prefix ending in `*`) covers `topic`; `topic` `*` means every topic. */
export function patternCovers(pattern: string, topic: string): boolean {
  if (pattern === '*') return true;
  if (topic === '*') return false;
  if (pattern.endsWith('*')) return topic.startsWith(pattern.slice(0, -1));
  return pattern === topic;
}

/** True when one of the identity's permissions grants `action` on `topic` (`*`: all topics). */
export function isAllowed(identity: Identity, action: Action, topic: string): boolean {
  return identity.permissions.some((p) => p.actions.includes(action) && patternCovers(p.topics, topic));
}

/** True when the identity holds any permission (produce, consume or admin) on `topic`. */
export function mayUseTopic(identity: Identity, topic: string): boolean {
  return identity.permissions.some((p) => p.actions.length > 0 && patternCovers(p.topics, topic));
}

/** Throws ForbiddenError unless the identity holds some permission on `topic`. */
export function authorizeAny(identity: Identity, topic: string): void {
  if (!mayUseTopic(identity, topic)) {
    throw new ForbiddenError('produce, consume or admin', `topic '${topic}'`);
  }
}

/** Throws ForbiddenError unless the identity may perform `action` on `topic` (`*`: all topics). */
export function authorize(identity: Identity, action: Action, topic: string): void {
  if (!isAllowed(identity, action, topic)) {
    throw new ForbiddenError(action, topic === '*' ? 'all topics' : `topic '${topic}'`);
  }
}

/**
 * How long a checked token is trusted without reading the tokens table
 * again, wherever tokens are checked (API Gateway's authorizer cache, the
 * local server's, and the functions' own in function-side auth mode): a
 * revoked token is refused within this bound.
 */
export const TOKEN_CACHE_TTL_MS = 60_000;

/** Options of {@link CachingAuthenticator}. */
export interface CachingAuthenticatorOptions {
  /**
   * How long a valid token's identity is reused.
   * @default TOKEN_CACHE_TTL_MS
   */
  readonly ttlMs?: number;
  /**
   * Most tokens remembered; the oldest entry goes first.
   * @default 1000
   */
  readonly maxEntries?: number;
  /**
   * The clock, epoch milliseconds.
   * @default Date.now
   */
  readonly now?: () => number;
}

/**
 * {@link authenticate} with API Gateway's authorizer cache in front: a
 * valid token's identity is reused for `ttlMs`, then the token is read
 * again (so a revoked token is refused within `ttlMs`). Failures are not
 * remembered. Used by the functions themselves in function-side auth mode,
 * where no API Gateway authorizer runs.
 *
 * @example
 * const tokens = new CachingAuthenticator(store);
 * const identity = await tokens.authenticate(bearerToken(header)); // throws UnauthenticatedError
 */
export class CachingAuthenticator {
  private readonly cache = new Map<string, { identity: Identity; expiresAt: number }>();

  constructor(
    private readonly store: TokenStore,
    private readonly options: CachingAuthenticatorOptions = {},
  ) {}

  /** The token's identity; throws UnauthenticatedError for anything but a valid, existing token. */
  async authenticate(token: string | undefined): Promise<Identity> {
    const now = (this.options.now ?? Date.now)();
    if (token !== undefined) {
      const hit = this.cache.get(token);
      if (hit && hit.expiresAt > now) return hit.identity;
      this.cache.delete(token);
    }
    const identity = await authenticate(this.store, token);
    if (token !== undefined) {
      const maxEntries = this.options.maxEntries ?? 1000;
      while (this.cache.size >= maxEntries) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(token, { identity, expiresAt: now + (this.options.ttlMs ?? TOKEN_CACHE_TTL_MS) });
    }
    return identity;
  }
}
