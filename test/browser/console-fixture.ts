/**
 * What the browser tests and `npm run screenshots` put in a fresh stack
 * before opening the console: topics with records (JSON, text, binary,
 * headers), a consumer group that lags, dead letters and tokens.
 */
import type { ApiClient } from '../support/http';

export interface Demo {
  /** The topic with records and a lagging group. */
  readonly orders: string;
  /** A topic whose group dead-lettered records. */
  readonly payments: string;
  /** The group that reads `orders` and lags. */
  readonly group: string;
  /** The dead-lettering group of `payments`. */
  readonly dlqGroup: string;
  /** Text found in exactly one record's value of `orders`. */
  readonly needle: string;
  /** How many records `orders` holds (the group's lag: it committed nothing). */
  readonly ordersCount: number;
}

async function ok(response: Promise<{ status: number; text: string }>, what: string): Promise<void> {
  const r = await response;
  if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${r.text}`);
}

const REGIONS = ['eu', 'us', 'ap'];

export async function seedDemo(client: ApiClient, suffix = ''): Promise<Demo> {
  const orders = `orders${suffix}`;
  const payments = `payments${suffix}`;
  const group = 'billing';
  const dlqGroup = 'ledger';
  const needle = 'gift-wrapped-velvet';
  await ok(client.post('/v1/topics', { name: orders, partitions: 3 }), 'create orders');
  await ok(client.post('/v1/topics', { name: payments, partitions: 2, maxDeliveryAttempts: 1 }), 'create payments');
  await ok(client.post('/v1/topics', { name: `audit${suffix}`, partitions: 1, retentionMs: 86_400_000 }), 'create audit');
  const base = Date.now() - 40 * 60_000;
  const records = Array.from({ length: 36 }, (_, i) => ({
    key: `order-${1000 + i}`,
    value: {
      orderId: 1000 + i,
      customer: `customer-${(i * 7) % 13}`,
      amount: Math.round((12.5 + i * 3.75) * 100) / 100,
      items: [{ sku: `SKU-${(i * 31) % 97}`, quantity: 1 + (i % 3), note: i === 17 ? needle : 'standard' }],
    },
    headers: { region: REGIONS[i % 3] as string, source: i % 2 ? 'web' : 'mobile' },
    timestamp: base + i * 65_000 + (i % 5) * 9_000,
  }));
  await ok(client.post(`/v1/topics/${orders}/records`, { records }), 'produce orders');
  await ok(
    client.post(`/v1/topics/${orders}/records`, {
      records: [
        { key: 'greeting', value: 'plain text value', headers: { 'content-type': 'text/plain' } },
        { key: 'blob', valueBase64: Buffer.from('\u0000\u0001binary payload\u00ff').toString('base64') },
      ],
    }),
    'produce text and binary',
  );
  // A group that joined and committed nothing: it lags by every record.
  await ok(client.post(`/v1/groups/${group}/poll`, { topic: orders, consumerId: 'billing-1', autoOffsetReset: 'earliest', maxRecords: 1 }), 'poll');
  // Dead letters: maxDeliveryAttempts 1, so one nack dead-letters a record.
  await ok(
    client.post(`/v1/topics/${payments}/records`, {
      records: [
        { key: 'pay-1', value: { paymentId: 'pay-1', amount: 42 }, partition: 0 },
        { key: 'pay-2', value: { paymentId: 'pay-2', amount: 7 }, partition: 0 },
      ],
    }),
    'produce payments',
  );
  const polled = await client.post(`/v1/groups/${dlqGroup}/poll`, {
    topic: payments,
    consumerId: 'ledger-1',
    autoOffsetReset: 'earliest',
    maxRecords: 10,
  });
  const errors = ['card declined: insufficient funds', 'upstream timeout after 15000 ms'];
  for (const [i, r] of ((polled.body?.records ?? []) as Array<{ partition: number; offset: number }>).entries()) {
    await ok(
      client.post(`/v1/groups/${dlqGroup}/nack`, { topic: payments, consumerId: 'ledger-1', partition: r.partition, offset: r.offset, error: errors[i % 2] }),
      'nack',
    );
  }
  await ok(client.post('/v1/tokens', { name: 'orders-producer', permissions: [{ topics: 'orders*', actions: ['produce'] }] }), 'token');
  await ok(client.post('/v1/tokens', { name: 'analytics', permissions: [{ topics: '*', actions: ['consume'] }] }), 'token');
  return { orders, payments, group, dlqGroup, needle, ordersCount: records.length + 2 };
}
