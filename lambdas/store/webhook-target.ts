/**
 * Delivery over HTTP(S): one POST per batch with the Standard Webhooks
 * headers, a 15 s limit on the whole exchange (a 2xx after it counts as a
 * failure), no redirect followed (a 3xx is a failure), and the URL checked
 * again before every delivery: the host is resolved, every address must be
 * allowed, and the connection goes to the address that was checked, so a
 * DNS answer that changes between check and connect cannot send it inside.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { signatureHeader } from '../core/delivery/signer';
import { checkWebhookUrl, type Resolver, type TargetPolicy } from '../core/delivery/targets';
import type { DeliveryOutcome, DeliveryRequest } from '../core/delivery/types';

export const WEBHOOK_TIMEOUT_MS = 15_000;
/** Bytes of a receiver's answer kept for `lastError`. */
const ERROR_BODY_BYTES = 200;

/** DNS resolution of every address of a host (an IP literal is its own address). */
export const resolveAll: Resolver = async (hostname) => {
  if (isIP(hostname)) return [hostname];
  return (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);
};

export class WebhookTarget {
  constructor(
    private readonly policy: TargetPolicy,
    private readonly resolve: Resolver = resolveAll,
    private readonly timeoutMs: number = WEBHOOK_TIMEOUT_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async deliver(rawUrl: string, request: DeliveryRequest): Promise<DeliveryOutcome> {
    const checked = await checkWebhookUrl(rawUrl, this.policy, this.resolve);
    if ('problem' in checked) return { kind: 'failed', error: checked.problem };
    const address = checked.addresses[0] as string;
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'tributary-webhooks/1',
      'webhook-id': request.webhookId,
      'webhook-timestamp': String(request.timestamp),
      'webhook-signature': signatureHeader(request.secrets, request.webhookId, request.timestamp, request.body, this.now()),
      'content-length': String(Buffer.byteLength(request.body)),
    };
    const started = this.now();
    try {
      const { status, text } = await this.post(checked.url, address, headers, request.body);
      if (this.now() - started > this.timeoutMs) return { kind: 'failed', error: `answered ${status} after the ${this.timeoutMs / 1000} s limit` };
      if (status >= 200 && status < 300) return { kind: 'delivered' };
      if (status === 410) return { kind: 'gone', error: 'HTTP 410 Gone: the receiver asked to stop' };
      return { kind: 'failed', error: `HTTP ${status}${text ? `: ${text}` : ''}` };
    } catch (error) {
      return { kind: 'failed', error: error instanceof Error ? error.message : String(error) };
    }
  }

  private post(url: URL, address: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
    const family = isIP(address) === 6 ? 6 : 4;
    // Connect to the checked address whatever the name resolves to now.
    const pinned: LookupFunction = (_host, options, callback) => {
      if (options.all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
      else (callback as (e: null, a: string, f: number) => void)(null, address, family);
    };
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(url, { method: 'POST', headers, lookup: pinned, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          if (kept < ERROR_BODY_BYTES) chunks.push(chunk);
          kept += chunk.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8').slice(0, ERROR_BODY_BYTES) }));
        res.on('error', reject);
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs / 1000} s`)));
      req.on('error', reject);
      req.on('close', () => clearTimeout(timer));
      req.end(body);
    });
  }
}
