/** The Produce and Fetch sections of API.md, driven over HTTP as a client would. */
import { expectError, uniqueName } from '../support/http';
import { openTarget, type Target } from '../support/target';

let target: Target;
let topic: string;
let empty: string;

beforeAll(async () => {
  target = await openTarget();
  topic = uniqueName('records');
  empty = uniqueName('empty');
  expect((await target.client.post('/v1/topics', { name: topic, partitions: 3 })).status).toBe(201);
  expect((await target.client.post('/v1/topics', { name: empty, partitions: 1 })).status).toBe(201);
});
afterAll(async () => {
  await target.client.delete(`/v1/topics/${topic}`);
  await target.client.delete(`/v1/topics/${empty}`);
  await target.close();
});

const produce = (records: unknown[], headers?: Record<string, string>, to = topic) =>
  target.client.post(`/v1/topics/${to}/records`, { records }, headers ? { headers } : undefined);
const fetchRecords = (partition: number | string, query: string, to = topic) =>
  target.client.get(`/v1/topics/${to}/partitions/${partition}/records?${query}`);

describe('Produce API', () => {
  it('stores records and answers their partitions and offsets in request order', async () => {
    const response = await produce([
      { key: 'user-42', value: { any: 'json' }, headers: { h: 'v' }, partition: 1, timestamp: 1700000000000 },
      { value: [1, 2, 3], partition: 1 },
      { valueBase64: Buffer.from([0, 255, 7]).toString('base64'), partition: 1 },
    ]);
    expect(response.status).toBe(200);
    const offsets = response.body.results.map((r: { offset: number }) => r.offset);
    expect(response.body.results.map((r: { partition: number }) => r.partition)).toEqual([1, 1, 1]);
    expect(offsets).toEqual([offsets[0], offsets[0] + 1, offsets[0] + 2]);
    const read = await fetchRecords(1, `offset=${offsets[0]}&limit=3`);
    expect(read.status).toBe(200);
    expect(read.body.records[0]).toEqual({
      partition: 1,
      offset: offsets[0],
      key: 'user-42',
      value: { any: 'json' },
      headers: { h: 'v' },
      timestamp: 1700000000000,
    });
    expect(read.body.records[1]).toMatchObject({ key: null, value: [1, 2, 3], headers: {} });
    expect(read.body.records[2].valueBase64).toBe(Buffer.from([0, 255, 7]).toString('base64'));
    expect(read.body.records[2].value).toBeUndefined();
    expect(read.body.nextOffset).toBe(offsets[0] + 3);
  });

  it('sends a key to the partition Kafka’s default partitioner picks', async () => {
    // murmur2("foobar") = -790332482 → (h & 0x7fffffff) % 3 = 1357151166 % 3 = 0
    const response = await produce([{ key: 'foobar', value: 1 }]);
    expect(response.body.results[0].partition).toBe(1357151166 % 3);
  });

  it('repeats the first response for a repeated Idempotency-Key and stores nothing new', async () => {
    const key = uniqueName('idem');
    const body = [{ value: 'once', partition: 2 }];
    const first = await produce(body, { 'Idempotency-Key': key });
    const again = await produce(body, { 'Idempotency-Key': key });
    expect(first.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const offset = first.body.results[0].offset;
    const read = await fetchRecords(2, `offset=${offset}`);
    expect(read.body.records.map((r: { value: unknown }) => r.value)).toEqual(['once']);
    // The same records formatted differently are the same request.
    const spaced = await target.client.request('POST', `/v1/topics/${topic}/records`, {
      rawBody: `{ "records" : [ { "value" : "once" , "partition" : 2 } ] }`,
      headers: { 'Idempotency-Key': key },
    });
    expect(spaced.body).toEqual(first.body);
    const reused = expectError(await produce([{ value: 'different', partition: 2 }], { 'Idempotency-Key': key }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(reused.body.error.message).toMatch(/Idempotency-Key/);
  });

  it.each([
    [[{ value: 1, valueBase64: 'AA==' }], 'records[0].value'],
    [[{ key: 'k' }], 'records[0].value'],
    [[{ value: 1, partition: -1 }], 'records[0].partition'],
    [[{ value: 1, partition: 3 }], 'records[0].partition'],
    [[{ value: 1, partition: 'one' }], 'records[0].partition'],
    [[{ value: 1 }, { value: 1, timestamp: 1.5 }], 'records[1].timestamp'],
    [[{ value: 1, headers: { a: 1 } }], 'records[0].headers.a'],
    [[{ value: 1, key: 42 }], 'records[0].key'],
    [[{ value: 1, extra: true }], 'records[0].extra'],
    [[{ valueBase64: 'not base64!' }], 'records[0].valueBase64'],
    [[], 'records'],
  ])('answers 400 INVALID_REQUEST naming the field for %j', async (records, field) => {
    const response = expectError(await produce(records), 400, 'INVALID_REQUEST');
    expect(response.body.error.message).toContain(field);
  });

  it('answers 400 for a body without records', async () => {
    expectError(await target.client.post(`/v1/topics/${topic}/records`, { record: [] }), 400, 'INVALID_REQUEST');
  });

  it('answers 413 PAYLOAD_TOO_LARGE for more than 500 records, a record over 1 MiB, or a body over 6 MB', async () => {
    expectError(await produce(Array.from({ length: 501 }, () => ({ value: 1 }))), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await produce([{ value: 'x'.repeat(1024 * 1024 + 10) }]), 413, 'PAYLOAD_TOO_LARGE');
    const tooBig = Array.from({ length: 7 }, () => ({ value: 'y'.repeat(1000 * 1000) }));
    expectError(await produce(tooBig), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 404 TOPIC_NOT_FOUND when producing to a missing topic', async () => {
    expectError(await produce([{ value: 1 }], undefined, 'no-such-topic-xyz'), 404, 'TOPIC_NOT_FOUND');
  });
});

describe('Concurrent producers', () => {
  it('gives 8 producers racing on one partition contiguous, unique offsets, each request consecutive', async () => {
    const name = uniqueName('race');
    expect((await target.client.post('/v1/topics', { name, partitions: 1 })).status).toBe(201);
    try {
      const acked: number[][] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, producer) => {
          for (let request = 0; request < 8; request++) {
            const records = Array.from({ length: 1 + (request % 3) }, (_, i) => ({ value: { producer, request, i } }));
            const response = await produce(records, undefined, name);
            expect(response.status).toBe(200);
            acked.push(response.body.results.map((r: { offset: number }) => r.offset));
          }
        }),
      );
      const total = acked.reduce((n, offsets) => n + offsets.length, 0);
      const read = await fetchRecords(0, 'offset=0&limit=1000', name);
      expect(read.body.records.map((r: { offset: number }) => r.offset)).toEqual(Array.from({ length: total }, (_, i) => i));
      for (const offsets of acked) expect(offsets).toEqual(offsets.map((_, i) => offsets[0]! + i));
    } finally {
      await target.client.delete(`/v1/topics/${name}`);
    }
  });
});

describe('Fetch API', () => {
  let base: number;
  beforeAll(async () => {
    const t0 = 1800000000000;
    const response = await produce(Array.from({ length: 10 }, (_, i) => ({ value: i, partition: 0, timestamp: t0 + i * 10 })));
    base = response.body.results[0].offset;
  });

  it('reads by offset with a limit and reports nextOffset and endOffset', async () => {
    const response = await fetchRecords(0, `offset=${base + 2}&limit=3`);
    expect(response.status).toBe(200);
    expect(response.body.records.map((r: { value: number }) => r.value)).toEqual([2, 3, 4]);
    expect(response.body).toMatchObject({ nextOffset: base + 5, endOffset: base + 10 });
  });

  it('reads from earliest, latest and fromTimestamp', async () => {
    expect((await fetchRecords(0, 'offset=earliest&limit=1')).body.records[0].offset).toBe(0);
    expect((await fetchRecords(0, 'offset=latest')).body).toEqual({ records: [], nextOffset: base + 10, endOffset: base + 10 });
    const byTime = await fetchRecords(0, `fromTimestamp=${1800000000000 + 35}&limit=2`);
    expect(byTime.body.records.map((r: { value: number }) => r.value)).toEqual([4, 5]);
  });

  it('answers 416 OFFSET_OUT_OF_RANGE with startOffset and endOffset beside the error', async () => {
    const response = expectError(await fetchRecords(0, `offset=${base + 11}`), 416, 'OFFSET_OUT_OF_RANGE');
    expect(response.body).toMatchObject({ startOffset: 0, endOffset: base + 10 });
  });

  it('long-polls until a record arrives', async () => {
    const waiting = fetchRecords(0, `offset=0&waitMs=15000`, empty);
    await new Promise((r) => setTimeout(r, 500));
    await produce([{ value: 'wake up' }], undefined, empty);
    const response = await waiting;
    expect(response.body.records.map((r: { value: string }) => r.value)).toEqual(['wake up']);
  });

  it.each([
    ['offset=abc', 'offset'],
    ['offset=-1', 'offset'],
    ['offset=1e3', 'offset'],
    ['', 'offset'],
    ['offset=0&fromTimestamp=5', 'offset'],
    ['offset=0&limit=0', 'limit'],
    ['offset=0&limit=1001', 'limit'],
    ['offset=0&waitMs=20001', 'waitMs'],
    ['offset=0&colour=red', 'colour'],
  ])('answers 400 INVALID_REQUEST naming the parameter for ?%s', async (query, field) => {
    const response = expectError(await fetchRecords(0, query), 400, 'INVALID_REQUEST');
    expect(response.body.error.message).toContain(field);
  });

  it('answers 400 for a malformed partition and 404 PARTITION_NOT_FOUND for a missing one', async () => {
    expectError(await fetchRecords('x', 'offset=0'), 400, 'INVALID_REQUEST');
    expectError(await fetchRecords(3, 'offset=0'), 404, 'PARTITION_NOT_FOUND');
    expectError(await fetchRecords(0, 'offset=0', 'no-such-topic-xyz'), 404, 'TOPIC_NOT_FOUND');
  });
});
