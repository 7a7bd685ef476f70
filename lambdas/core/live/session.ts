/**
 * The live-notification protocol's server side, for one connection at a
 * time: `$connect` checks the token (the REST API's auth core, no cache, so
 * a revoked token is refused at the next connect), `watch` checks `consume`
 * on the topic and that the topic exists, `unwatch` and `ping` answer, and
 * `$disconnect` forgets the connection. The AWS handler and the local `ws`
 * server both call this; neither holds protocol logic.
 */
import { z } from 'zod';
import type { LiveServerMessage } from '../../../packages/client/src/protocol/live';
import { authenticate, authorize, bearerToken, type TokenStore } from '../auth';
import { TributaryError, UnauthenticatedError } from '../errors';
import type { ConnectionStore } from './ports';

/** A connection item lives this long (TTL): API Gateway's 2-hour limit plus 10 minutes. */
export const CONNECTION_TTL_MS = (2 * 60 + 10) * 60_000;

const TOPIC = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must match ^[a-zA-Z0-9._-]{1,249}$');
const MESSAGE = z.discriminatedUnion('action', [
  z.object({ action: z.literal('watch'), topic: TOPIC, group: z.string().min(1).max(249).optional() }).strict(),
  z.object({ action: z.literal('unwatch'), topic: TOPIC }).strict(),
  z.object({ action: z.literal('ping') }).strict(),
]);

/** The token of an upgrade request: `Authorization: Bearer …`, else `?token=` (browsers cannot set headers). */
export function upgradeToken(
  headers: Record<string, string | readonly string[] | undefined> | undefined,
  query: Record<string, string | undefined> | null | undefined,
  multiValueHeaders?: Record<string, readonly string[] | undefined> | null,
): string | undefined {
  const values = authorizationValues(multiValueHeaders) ?? authorizationValues(headers) ?? [];
  // As on the REST API: two Authorization headers are refused, never read one way here and another there.
  if (values.length > 1) throw new UnauthenticatedError('Send one Authorization header, not several.');
  return bearerToken(values[0]) ?? (query?.token || undefined);
}

/** Every value of the Authorization header (any case of the name), or undefined when there is none. */
function authorizationValues(headers: Record<string, string | readonly string[] | undefined> | null | undefined): string[] | undefined {
  const values = Object.entries(headers ?? {})
    .filter(([name]) => name.toLowerCase() === 'authorization')
    .flatMap(([, value]) => (value === undefined ? [] : typeof value === 'string' ? [value] : [...value]));
  return values.length > 0 ? values : undefined;
}

/** What the session needs: tokens, topic lookup (throws TopicNotFoundError), connections. */
export interface LiveSessionDeps {
  readonly tokens: TokenStore;
  readonly topics: { get(name: string): Promise<unknown> };
  readonly connections: ConnectionStore;
  readonly now?: () => number;
}

function errorMessage(error: unknown, topic?: string): LiveServerMessage {
  if (!(error instanceof TributaryError)) throw error;
  return { type: 'error', ...(topic ? { topic } : {}), error: { code: error.code, message: error.message } };
}

function invalid(message: string): LiveServerMessage {
  return { type: 'error', error: { code: 'INVALID_REQUEST', message } };
}

/** Parses a client message; an error message to send back when it is not a valid one. */
export function parseClientMessage(body: string | undefined): z.infer<typeof MESSAGE> | LiveServerMessage {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    return invalid('The message is not valid JSON.');
  }
  const parsed = MESSAGE.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || 'action';
  if (issue?.code === 'invalid_union' || field === 'action') {
    return invalid("action: must be one of 'watch', 'unwatch', 'ping'.");
  }
  return invalid(`${field}: ${issue?.message ?? 'is invalid'}.`);
}

/** The server side of the protocol. */
export class LiveSessions {
  private readonly now: () => number;

  constructor(private readonly deps: LiveSessionDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Admits a connection; throws UnauthenticatedError for a missing, malformed or unknown token. */
  async connect(connectionId: string, token: string | undefined): Promise<void> {
    const identity = await authenticate(this.deps.tokens, token);
    const now = this.now();
    await this.deps.connections.putConnection({
      connectionId,
      tokenId: identity.tokenId,
      connectedAt: now,
      expiresAt: now + CONNECTION_TTL_MS,
      topics: [],
    });
  }

  /** Answers one client message (never throws for bad input: answers an error message). */
  async message(connectionId: string, body: string | undefined): Promise<LiveServerMessage> {
    const message = parseClientMessage(body);
    if ('type' in message) return message;
    if (message.action === 'ping') return { type: 'pong' };
    if (message.action === 'unwatch') {
      await this.deps.connections.deleteWatch(message.topic, connectionId);
      return { type: 'unwatched', topic: message.topic };
    }
    try {
      await this.watch(connectionId, message.topic, message.group);
      return { type: 'watching', topic: message.topic };
    } catch (error) {
      return errorMessage(error, message.topic);
    }
  }

  private async watch(connectionId: string, topic: string, group: string | undefined): Promise<void> {
    const connection = await this.deps.connections.getConnection(connectionId);
    // The token is read again: one revoked since the connect may not start new watches.
    const token = connection && (await this.deps.tokens.get(connection.tokenId));
    if (!connection || !token) throw new UnauthenticatedError('The connection is unknown or its token was revoked; reconnect.');
    authorize({ tokenId: token.id, name: token.name, permissions: token.permissions }, 'consume', topic);
    await this.deps.topics.get(topic);
    const added = await this.deps.connections.putWatch({
      topic,
      connectionId,
      tokenId: token.id,
      group,
      expiresAt: connection.expiresAt,
    });
    if (!added) throw new UnauthenticatedError('The connection is gone; reconnect.');
  }

  /** Forgets a connection and its watches. */
  async disconnect(connectionId: string): Promise<void> {
    await this.deps.connections.deleteConnection(connectionId);
  }
}
