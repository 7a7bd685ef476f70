/** The Share groups section of API.md, driven over HTTP as a client would: a curl-level walk-through and bad input. */
import { expectError } from '../support/http';
import { useTarget } from '../support/target';

type Acquired = { partition: number; offset: number; key: string | null; value: unknown; deliveryAttempt: number; lockToken: string; lockExpiresAt: number };

const session = useTarget('share');
const { createTopic } = session;
const post = (path: string, body: unknown) => session.target.client.post(path, body);

describe('Share groups over HTTP', () => {
  it('receives under a lock, acks per record, describes, resets and deletes', async () => {
    const topic = await createTopic(2);
    const records = Array.from({ length: 6 }, (_, i) => ({ partition: i % 2, key: `order.${i}.eu`, value: { n: i } }));
    expect((await post(`/v1/topics/${topic}/records`, { records })).status).toBe(200);
    const received = await post('/v1/share-groups/workers/receive', { topic, consumerId: 'w1', maxRecords: 4, autoOffsetReset: 'earliest' });
    expect(received.status).toBe(200);
    const got = received.body.records as Acquired[];
    expect(got).toHaveLength(4);
    for (const r of got) {
      expect(r).toMatchObject({ deliveryAttempt: 1, headers: {} });
      expect(typeof r.lockToken).toBe('string');
      expect(r.lockExpiresAt).toBeGreaterThan(Date.now());
    }
    const [a, b, c, d] = got as [Acquired, Acquired, Acquired, Acquired];
    const ack = await post('/v1/share-groups/workers/ack', {
      topic,
      acks: [
        { partition: a.partition, offset: a.offset, lockToken: a.lockToken, type: 'accept' },
        { partition: b.partition, offset: b.offset, lockToken: b.lockToken, type: 'release', delayMs: 0 },
        { partition: c.partition, offset: c.offset, lockToken: c.lockToken, type: 'reject', error: 'bad order' },
        { partition: d.partition, offset: d.offset, lockToken: d.lockToken, type: 'renew', lockMs: 60_000 },
        { partition: a.partition, offset: a.offset, lockToken: a.lockToken, type: 'accept' },
      ],
    });
    expect(ack.status).toBe(200);
    expect(ack.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'released', 'dead-lettered', 'renewed', 'lock-lost']);
    expect(ack.body.results[0]).toEqual({ partition: a.partition, offset: a.offset, status: 'accepted' });
    const described = await session.target.client.get(`/v1/share-groups/workers?topic=${topic}`);
    expect(described.status).toBe(200);
    const parts = described.body.partitions as Array<{ acquired: number; available: number; deadLettered: number; endOffset: number }>;
    expect(parts.reduce((n, p) => n + p.acquired, 0)).toBe(1);
    expect(parts.reduce((n, p) => n + p.available, 0)).toBe(3);
    expect(parts.reduce((n, p) => n + p.deadLettered, 0)).toBe(1);
    const letters = await session.target.client.get(`/v1/topics/${topic}/dead-letters?group=workers`);
    expect(letters.body.deadLetters.map((l: { offset: number; lastError: string }) => [l.offset, l.lastError])).toEqual([[c.offset, 'bad order']]);
    const reset = await post('/v1/share-groups/workers/offsets/reset', { topic, to: 'latest' });
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({ group: 'workers', topic, offsets: [{ partition: 0, committedOffset: 3 }, { partition: 1, committedOffset: 3 }] });
    expect((await session.target.client.delete(`/v1/share-groups/workers?topic=${topic}`)).status).toBe(204);
    expectError(await session.target.client.get(`/v1/share-groups/workers?topic=${topic}`), 404, 'GROUP_NOT_FOUND');
  });

  it.each([
    ['maxRecords 0', { maxRecords: 0 }, 'maxRecords'],
    ['maxRecords 1001', { maxRecords: 1001 }, 'maxRecords'],
    ['lockMs below 1000', { lockMs: 999 }, 'lockMs'],
    ['waitMs above 20000', { waitMs: 20_001 }, 'waitMs'],
    ['an invalid filter pattern', { filter: { keys: ['ord*'] } }, 'filter.keys'],
    ['an empty filter word', { filter: { keys: ['a..b'] } }, 'filter.keys'],
  ])('refuses a receive with %s: 400 naming the field', async (_name, extra, field) => {
    const topic = await createTopic(1);
    const response = expectError(await post('/v1/share-groups/g/receive', { topic, ...extra }), 400, 'INVALID_REQUEST');
    expect(response.body.error.message).toContain(field);
  });

  it.each([
    ['an unknown ack type', [{ partition: 0, offset: 0, lockToken: 't', type: 'ok' }], 'type'],
    ['1001 acks', Array.from({ length: 1001 }, () => ({ partition: 0, offset: 0, lockToken: 't', type: 'accept' })), 'acks'],
    ['no acks', [], 'acks'],
    ['delayMs above 900000', [{ partition: 0, offset: 0, lockToken: 't', type: 'release', delayMs: 900_001 }], 'delayMs'],
    ['a renew lockMs below 1000', [{ partition: 0, offset: 0, lockToken: 't', type: 'renew', lockMs: 5 }], 'lockMs'],
  ])('refuses an ack with %s: 400 naming the field', async (_name, acks, field) => {
    const topic = await createTopic(1);
    const response = expectError(await post('/v1/share-groups/g/ack', { topic, acks }), 400, 'INVALID_REQUEST');
    expect(response.body.error.message).toContain(field);
  });

  it('answers lock-lost for a token it never issued, and 404 for an unknown topic or a reset of a missing partition', async () => {
    const topic = await createTopic(1);
    const ack = await post('/v1/share-groups/g/ack', { topic, acks: [{ partition: 0, offset: 5, lockToken: 'forged', type: 'accept' }, { partition: 7, offset: 0, lockToken: 'x', type: 'accept' }] });
    expect(ack.status).toBe(200);
    expect(ack.body.results).toEqual([{ partition: 0, offset: 5, status: 'lock-lost' }, { partition: 7, offset: 0, status: 'lock-lost' }]);
    expectError(await post('/v1/share-groups/g/receive', { topic: 'no-such-topic-share' }), 404, 'TOPIC_NOT_FOUND');
    expectError(await post('/v1/share-groups/g/offsets/reset', { topic, to: 'earliest', partitions: [3] }), 404, 'PARTITION_NOT_FOUND');
    expectError(await post('/v1/share-groups/g/offsets/reset', { topic, to: { offset: -1 } }), 400, 'INVALID_REQUEST');
  });
});
