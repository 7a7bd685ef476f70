/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the
 * signature is `v1,` + base64(HMAC-SHA256(secret, `${id}.${timestamp}.${body}`))
 * where the key is the base64 text after `whsec_`. During a secret rotation
 * both secrets sign, space-separated, so a receiver with either verifies.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { SigningSecrets } from './types';

export const SECRET_PREFIX = 'whsec_';

/** A new signing secret: `whsec_` + 32 random bytes in base64. */
export function newSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** One `v1,…` signature of a message with one secret. */
export function sign(secret: string, webhookId: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  const mac = createHmac('sha256', key).update(`${webhookId}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The `webhook-signature` header: the current secret's signature, and the previous one's while it is still honoured. */
export function signatureHeader(secrets: SigningSecrets, webhookId: string, timestamp: number, body: string, now: number): string {
  const signatures = [sign(secrets.current, webhookId, timestamp, body)];
  if (secrets.previous && (secrets.previousUntil ?? 0) > now) signatures.push(sign(secrets.previous, webhookId, timestamp, body));
  return signatures.join(' ');
}
