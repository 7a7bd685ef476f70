/**
 * Linger batching in the producer, against a fake produce endpoint (an
 * injected fetch that stores records like the API: 400 naming `records[i]`
 * for a bad record, 404 for an unknown topic, offsets per topic in request
 * order): concurrent `send()` calls share requests within the limits, each
 * resolves with its own positions, and a refused record fails only its caller.
 */
import fc from 'fast-check';
import { InvalidRequestError, TopicNotFoundError, TributaryClient, type FetchLike, type ProducerRecord } from '@tributary/client';

interface Stored {
  topic: string;
  value: unknown;
}

interface Request {
  topic: string;
  key: string | null;
  values: unknown[];
}

/**
 * The fake API. A record whose value is 'BAD' is refused with a 400 naming it
 * (as API.md's validation does); 'BAD-BODY' with a 400 naming no record;
 * topic 'missing' does not exist; `failFirst` answers the first N requests 503.
 */
function fakeApi(options: { failFirst?: number } = {}) {
  const log: Stored[] = [];
  const requests: Request[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let failures = options.failFirst ?? 0;
  const fetch: FetchLike = async (url, init) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const topic = decodeURIComponent(/\/v1\/topics\/([^/]+)\/records$/.exec(url)?.[1] ?? '');
      const records = (JSON.parse(String(init.body)) as { records: Array<{ value: unknown }> }).records;
      const key = new Headers(init.headers).get('idempotency-key');
      requests.push({ topic, key, values: records.map((r) => r.value) });
      if (failures > 0) {
        failures -= 1;
        return json(503, { error: { code: 'UNAVAILABLE', message: 'try again' } });
      }
      if (topic === 'missing') return json(404, { error: { code: 'TOPIC_NOT_FOUND', message: `Topic '${topic}' does not exist.` } });
      const bad = records.findIndex((r) => r.value === 'BAD');
      if (bad >= 0) return json(400, { error: { code: 'INVALID_REQUEST', message: `records[${bad}].value: is refused` } });
      if (records.some((r) => r.value === 'BAD-BODY')) return json(400, { error: { code: 'INVALID_REQUEST', message: 'body: is refused' } });
      const results = records.map((r) => {
        log.push({ topic, value: r.value });
        return { partition: 0, offset: log.filter((s) => s.topic === topic).length - 1 };
      });
      return json(200, { results });
    } finally {
      inFlight -= 1;
    }
  };
  return {
    fetch,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    /** The value stored at an offset of a topic. */
    valueAt: (topic: string, offset: number) => log.filter((s) => s.topic === topic)[offset]?.value,
    stored: (topic: string) => log.filter((s) => s.topic === topic).map((s) => s.value),
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function producer(api: ReturnType<typeof fakeApi>, options: { lingerMs?: number; maxBatchRecords?: number; maxBatchBytes?: number } = {}) {
  let n = 0;
  const client = new TributaryClient({ url: 'http://api.test', token: 'trb_test', fetch: api.fetch, retry: { baseDelayMs: 1, maxDelayMs: 2 } });
  return client.producer({ ...options, idempotencyKey: () => `key-${++n}` });
}

const one = (value: unknown): ProducerRecord[] => [{ value }];

describe('linger batching', () => {
  test('concurrent single-record send() calls share one request; each resolves with its own position', async () => {
    const api = fakeApi();
    const p = producer(api);
    const positions = await Promise.all(Array.from({ length: 50 }, (_, i) => p.send({ topic: 't', records: one(i) })));
    expect(api.requests).toHaveLength(1);
    positions.forEach(([position], i) => expect(api.valueAt('t', position!.offset)).toBe(i));
    expect(api.stored('t')).toEqual(Array.from({ length: 50 }, (_, i) => i)); // in call order
  });

  test('lingerMs 0 sends every call in a request of its own', async () => {
    const api = fakeApi();
    const p = producer(api, { lingerMs: 0 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => p.send({ topic: 't', records: one(i) })));
    expect(api.requests).toHaveLength(20);
  });

  test('requests hold at most 500 records; a call split across requests gets all its positions in order', async () => {
    const api = fakeApi();
    const p = producer(api);
    const sizes = [300, 450, 1, 400, 99];
    const calls = sizes.map((size, c) => p.send({ topic: 't', records: Array.from({ length: size }, (_, i) => ({ value: `${c}-${i}` })) }));
    const results = await Promise.all(calls);
    expect(api.requests.map((r) => r.values.length)).toEqual([500, 500, 250]);
    results.forEach((positions, c) => {
      expect(positions).toHaveLength(sizes[c]!);
      positions.forEach((position, i) => expect(api.valueAt('t', position.offset)).toBe(`${c}-${i}`));
    });
  });

  test('requests stay within maxBatchBytes', async () => {
    const api = fakeApi();
    const p = producer(api, { maxBatchBytes: 200 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => p.send({ topic: 't', records: one(`value-${i}`) })));
    expect(api.requests.length).toBeGreaterThan(1);
    for (const request of api.requests) expect(JSON.stringify({ records: request.values.map((value) => ({ value })) }).length).toBeLessThanOrEqual(200);
    expect(api.stored('t')).toHaveLength(30);
  });

  test("a refused record fails only its caller, with an error naming its own record; the others' records are stored", async () => {
    const api = fakeApi();
    const p = producer(api);
    const calls = ['a', 'b', 'c', 'BAD', 'd', 'e'].map((value) => p.send({ topic: 't', records: [{ value: `${value}-0` }, { value }] }));
    const settled = await Promise.allSettled(calls);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const failure = (settled[3] as PromiseRejectedResult).reason;
    expect(failure).toBeInstanceOf(InvalidRequestError);
    expect((failure as InvalidRequestError).message).toBe('records[1].value: is refused'); // its own index, not the shared request's
    expect(api.stored('t')).toEqual(['a-0', 'a', 'b-0', 'b', 'c-0', 'c', 'd-0', 'd', 'e-0', 'e']);
    expect(api.requests.map((r) => r.values.length)).toEqual([12, 10, 2]); // shared, the others again, the bad caller alone
    expect(new Set(api.requests.map((r) => r.key)).size).toBe(3); // a new request, a new key
  });

  test('a 400 naming no record is retried once per caller, alone; only the caller whose record it was fails', async () => {
    const api = fakeApi();
    const p = producer(api);
    const settled = await Promise.allSettled(['a', 'BAD-BODY', 'c'].map((value) => p.send({ topic: 't', records: one(value) })));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(api.stored('t')).toEqual(['a', 'c']);
    expect(api.requests).toHaveLength(4);
  });

  test('an error of the whole request (unknown topic) fails every caller with it', async () => {
    const api = fakeApi();
    const p = producer(api);
    const settled = await Promise.allSettled(['a', 'b', 'c'].map((value) => p.send({ topic: 'missing', records: one(value) })));
    for (const s of settled) expect(s.status === 'rejected' && s.reason instanceof TopicNotFoundError).toBe(true);
    expect(api.requests).toHaveLength(1);
  });

  test('one Idempotency-Key per shared request, the same on its retries', async () => {
    const api = fakeApi({ failFirst: 2 });
    const p = producer(api);
    const positions = await Promise.all(['a', 'b', 'c'].map((value) => p.send({ topic: 't', records: one(value) })));
    expect(positions.map(([position]) => position?.offset)).toEqual([0, 1, 2]);
    expect(api.requests.map((r) => r.key)).toEqual(['key-1', 'key-1', 'key-1']);
  });

  test('topics are batched apart, and one topic has one request in flight at a time (records keep call order)', async () => {
    const api = fakeApi();
    const p = producer(api, { maxBatchRecords: 3 });
    const calls = Array.from({ length: 12 }, (_, i) => p.send({ topic: i % 2 === 0 ? 'even' : 'odd', records: one(i) }));
    await Promise.all(calls);
    for (const request of api.requests) expect(request.values.every((v) => (v as number) % 2 === (request.topic === 'even' ? 0 : 1))).toBe(true);
    expect(api.stored('even')).toEqual([0, 2, 4, 6, 8, 10]);
    expect(api.stored('odd')).toEqual([1, 3, 5, 7, 9, 11]);
    expect(api.maxInFlight).toBeLessThanOrEqual(2); // one per topic
  });

  test('send() calls made while a request is in flight go out in the next one', async () => {
    const api = fakeApi();
    const p = producer(api);
    const first = p.send({ topic: 't', records: one('first') });
    await new Promise((resolve) => setTimeout(resolve, 6)); // the first request has left (linger 5 ms) and is in flight
    const later = Array.from({ length: 5 }, (_, i) => p.send({ topic: 't', records: one(i) }));
    await Promise.all([first, ...later]);
    expect(api.requests.map((r) => r.values)).toEqual([['first'], [0, 1, 2, 3, 4]]);
  });

  test("an aborted send() rejects with its signal's reason and its records are not sent", async () => {
    const api = fakeApi();
    const p = producer(api);
    const controller = new AbortController();
    const aborted = p.send({ topic: 't', records: one('gone'), signal: controller.signal });
    const kept = p.send({ topic: 't', records: one('kept') });
    controller.abort(new Error('changed my mind'));
    await expect(aborted).rejects.toThrow('changed my mind');
    await expect(kept).resolves.toEqual([{ partition: 0, offset: 0 }]);
    expect(api.stored('t')).toEqual(['kept']);
  });

  test('lingerMs must be a number from 0', () => {
    const api = fakeApi();
    expect(() => producer(api, { lingerMs: -1 })).toThrow(RangeError);
    expect(() => producer(api, { lingerMs: Number.NaN })).toThrow(RangeError);
  });

  test('property: among concurrent callers, good ones get positions holding exactly their values, bad ones fail and store nothing', async () => {
    const caller = fc.array(fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.constant('BAD'), fc.constant('BAD-BODY')), { minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(fc.array(caller, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 6 }), async (callers, maxBatchRecords) => {
        const api = fakeApi();
        const p = producer(api, { maxBatchRecords });
        const tagged = callers.map((values, c) => values.map((v, i) => (typeof v === 'number' ? `${c}.${i}.${v}` : v)));
        const settled = await Promise.allSettled(tagged.map((values) => p.send({ topic: 't', records: values.map((value) => ({ value })) })));
        settled.forEach((s, c) => {
          const values = tagged[c]!;
          const bad = values.some((v) => v === 'BAD' || v === 'BAD-BODY');
          // A bad caller whose records span requests may have had its first requests stored (as without linger).
          if (!bad) {
            expect(s.status).toBe('fulfilled');
            const positions = (s as PromiseFulfilledResult<Array<{ offset: number }>>).value;
            expect(positions.map((p) => api.valueAt('t', p.offset))).toEqual(values);
          } else {
            expect(s.status).toBe('rejected');
          }
        });
        const good = tagged.filter((values) => !values.some((v) => v === 'BAD' || v === 'BAD-BODY')).flat();
        expect(api.stored('t').filter((v) => v !== 'BAD' && v !== 'BAD-BODY' && good.includes(v as string))).toEqual(good);
      }),
      { numRuns: 60 },
    );
  });
});
