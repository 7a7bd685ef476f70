/**
 * Verifying push-subscription deliveries in a receiver (Standard Webhooks:
 * https://www.standardwebhooks.com). Node's crypto only; no service code.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { verifyWebhook } from '@tributary/client';
 *
 * createServer((req, res) => {
 *   let body = '';
 *   req.on('data', (c) => (body += c)).on('end', () => {
 *     const delivery = verifyWebhook(process.env.WEBHOOK_SECRET!, req.headers, body); // throws if forged
 *     for (const record of delivery.records) console.log(record.offset, record.value);
 *     res.writeHead(204).end(); // any 2xx within 15 s; 410 stops the subscription
 *   });
 * }).listen(8080);
 * ```
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a delivery carries: records of one partition, in offset order. */
export interface WebhookDelivery {
  readonly topic: string;
  readonly subscription: string;
  readonly partition: number;
  readonly records: ReadonlyArray<{
    partition: number;
    offset: number;
    key: string | null;
    value?: unknown;
    valueBase64?: string;
    headers: Record<string, string>;
    timestamp: number;
  }>;
  /** The `webhook-id`: the same on every retry of this batch (deduplicate on it). */
  readonly webhookId: string;
}

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

export interface VerifyOptions {
  /** How far `webhook-timestamp` may be from now, in seconds (default 300: replays older than that are refused). */
  readonly toleranceSeconds?: number;
  /** Current time in ms (tests). */
  readonly now?: number;
}

type Headers = Readonly<Record<string, string | string[] | undefined>> | { get(name: string): string | null };

function header(headers: Headers, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | string[] | undefined>>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a delivery's `webhook-signature` against the secret (`whsec_…`)
 * over `{webhook-id}.{webhook-timestamp}.{body}` and the timestamp's age;
 * returns the parsed body. Pass the raw body exactly as received. During a
 * secret rotation either secret verifies (the header carries both signatures).
 */
export function verifyWebhook(secret: string, headers: Headers, body: string | Uint8Array, options: VerifyOptions = {}): WebhookDelivery {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature');
  const seconds = Number(timestamp);
  const now = (options.now ?? Date.now()) / 1000;
  if (!Number.isInteger(seconds) || Math.abs(now - seconds) > (options.toleranceSeconds ?? 300)) {
    throw new WebhookVerificationError('webhook-timestamp is too old or too far in the future');
  }
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${text}`).digest();
  const matches = signatures.split(' ').some((candidate) => {
    const [version, signature] = candidate.split(',', 2);
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError('no signature matches the secret');
  return { ...(JSON.parse(text) as Omit<WebhookDelivery, 'webhookId'>), webhookId: id };
}
