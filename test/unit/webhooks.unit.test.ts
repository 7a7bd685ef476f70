/** The client's verifyWebhook: what a receiver runs on every delivery. */
import { createHmac } from 'node:crypto';
import { verifyWebhook, WebhookVerificationError } from '../../packages/client/src/webhooks';

const secret = 'whsec_' + Buffer.from('a receiver secret').toString('base64');
const body = JSON.stringify({ topic: 't', subscription: 's', partition: 0, records: [{ partition: 0, offset: 4, key: null, value: 1, headers: {}, timestamp: 1 }] });
const now = 1_700_000_000_000;
const ts = String(now / 1000);
const sig = (key: string, text = body) => `v1,${createHmac('sha256', Buffer.from(key.slice(6), 'base64')).update(`msg_1.${ts}.${text}`).digest('base64')}`;
const headers = (signature: string, timestamp = ts) => ({ 'webhook-id': 'msg_1', 'webhook-timestamp': timestamp, 'webhook-signature': signature });

describe('verifyWebhook', () => {
  it('accepts a delivery signed with the secret and returns its records and id', () => {
    const delivery = verifyWebhook(secret, headers(sig(secret)), body, { now });
    expect(delivery).toMatchObject({ webhookId: 'msg_1', topic: 't', partition: 0, records: [{ offset: 4 }] });
  });

  it('accepts either signature during a rotation, and a Fetch Headers object', () => {
    const other = 'whsec_' + Buffer.from('another').toString('base64');
    expect(verifyWebhook(secret, new Headers(headers(`${sig(other)} ${sig(secret)}`)), body, { now }).webhookId).toBe('msg_1');
  });

  it('refuses a forged or altered delivery, a stale timestamp and missing headers', () => {
    expect(() => verifyWebhook(secret, headers(sig(secret)), body.replace('4', '5'), { now })).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(secret, headers('v1,AAAA'), body, { now })).toThrow('no signature');
    expect(() => verifyWebhook(secret, headers(sig(secret), String(now / 1000 - 3600)), body, { now })).toThrow('timestamp');
    expect(() => verifyWebhook(secret, {}, body, { now })).toThrow('missing');
  });
});
