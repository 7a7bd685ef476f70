/**
 * Structured JSON logs (Powertools Logger). Never log tokens or bodies; as a
 * safety net, every log line passes through {@link redact}, so a credential
 * that reaches a log call anyway is printed as `[REDACTED]`.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const REDACTED = '[REDACTED]';

/** Keys whose values are credentials (compared case-insensitively). */
const SECRET_KEYS = new Set(['authorization', 'token', 'secret', 'secrethash', 'x-api-key', 'cookie']);

/** A Tributary token (`trb_<id>_<secret>`) anywhere inside a string. */
const TOKEN_IN_TEXT = /trb_[0-9a-f]{16}_[A-Za-z0-9_-]+/g;

/**
 * JSON replacer that hides credentials: the value of a credential key
 * (`authorization`, `token`, `secret`, …), and any `trb_…` token inside
 * another string (an error message, a header dump).
 */
export function redact(key: string, value: unknown): unknown {
  if (key !== '' && SECRET_KEYS.has(key.toLowerCase()) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === 'string' && value.includes('trb_')) return value.replace(TOKEN_IN_TEXT, REDACTED);
  return value;
}

export const logger = new Logger({ serviceName: 'tributary', jsonReplacerFn: redact });
