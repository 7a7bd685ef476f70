/**
 * Bearer tokens and permissions. A token is `trb_<id>_<secret>`: the id
 * finds the stored record, the secret is checked against a SHA-256 hash in
 * constant time. Secrets are 256 random bits, so a fast hash is enough (no
 * password stretching needed); the secret itself is never stored or logged.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Action } from '../http/routes';
import { ForbiddenError, UnauthenticatedError } from './errors';

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

export interface StoredToken {
  id: string;
  name: string;
  secretHash: string;
  permissions: Permission[];
  createdAt: number;
}

export interface TokenStore {
  get(id: string): Promise<StoredToken | undefined>;
  put(token: StoredToken): Promise<void>;
}

const TOKEN_PATTERN = /^trb_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

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
): Promise<{ id: string; token: string }> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await store.put({ id, name, secretHash: hashSecret(secret), permissions, createdAt: now });
  return { id, token: `trb_${id}_${secret}` };
}

/** Extracts the token from an `Authorization` header value. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
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

export function isAllowed(identity: Identity, action: Action, topic: string): boolean {
  return identity.permissions.some((p) => p.actions.includes(action) && patternCovers(p.topics, topic));
}

/** Throws ForbiddenError unless the identity may perform `action` on `topic` (`*`: all topics). */
export function authorize(identity: Identity, action: Action, topic: string): void {
  if (!isAllowed(identity, action, topic)) {
    throw new ForbiddenError(action, topic === '*' ? 'all topics' : `topic '${topic}'`);
  }
}
