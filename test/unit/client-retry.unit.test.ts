/**
 * The client's retry policy with an injected fetch (no server): backoff with
 * full jitter stays within its bounds, Retry-After is honoured, only safe
 * requests are repeated, and errors come back as the classes of the shared
 * error table.
 */
import { backoffDelayMs, DEFAULT_RETRY_POLICY, parseRetryAfterMs, retryDelayMs, type RetryPolicy } from '../../packages/client/src/backoff';
import {
  ERROR_CLASSES,
  ERROR_CODES,
  errorFromResponse,
  InvalidRequestError,
  NotLeaseHolderError,
  OffsetOutOfRangeError,
  STATUS_BY_CODE,
  ThrottledError,
  TopicNotFoundError,
  TributaryConnectionError,
  TributaryError,
  UnavailableError,
} from '../../packages/client/src/errors';
import { HttpTransport, isRetryable, type ApiRequest, type FetchLike } from '../../packages/client/src/http';
import { planBatches, Producer } from '../../packages/client/src/producer';

const policy: RetryPolicy = { maxRetries: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 10_000 };

function jsonResponse(status: number, body?: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

const apiError = (code: string, message = 'went wrong') => ({ error: { code, message } });

/** A fetch that answers from a script, one entry per call (a function may throw to simulate a network error). */
function scriptedFetch(script: Array<Response | (() => Response)>): { fetch: FetchLike; calls: RequestInit[] } {
  const calls: RequestInit[] = [];
  return {
    calls,
    fetch: async (_url, init) => {
      calls.push(init);
      const next = script[calls.length - 1];
      if (next === undefined) throw new Error(`unexpected call ${calls.length}`);
      return typeof next === 'function' ? next() : next;
    },
  };
}

function transport(fetch: FetchLike, delays: number[], random = () => 0.5): HttpTransport {
  return new HttpTransport({
    url: 'http://api.test',
    token: 'trb_test',
    fetch,
    retry: policy,
    random,
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
}

const get: ApiRequest = { method: 'GET', path: '/v1/topics', retry: 'idempotent' };
const networkError = () => {
  throw new TypeError('fetch failed');
};

describe('backoff with full jitter', () => {
  test('each wait is within [0, min(maxDelayMs, baseDelayMs·2^retry))', () => {
    for (let retry = 0; retry < 10; retry++) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
      expect(backoffDelayMs(retry, policy, () => 0)).toBe(0);
      expect(backoffDelayMs(retry, policy, () => 0.999_999)).toBe(ceiling - 1);
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelayMs(retry, policy);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  test('the ceiling doubles per retry until maxDelayMs', () => {
    const ceilings = [0, 1, 2, 3, 4, 5].map((retry) => backoffDelayMs(retry, policy, () => 0.999_999) + 1);
    expect(ceilings).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  test('Retry-After sets a floor under the jittered wait, capped at maxRetryAfterMs', () => {
    expect(retryDelayMs(0, policy, 2_000, () => 0.5)).toBe(2_000);
    expect(retryDelayMs(3, policy, 100, () => 0.999_999)).toBe(799); // jitter above the floor is kept
    expect(retryDelayMs(0, policy, 3_600_000, () => 0)).toBe(policy.maxRetryAfterMs);
    expect(retryDelayMs(0, policy, undefined, () => 0)).toBe(0);
  });

  test('Retry-After is read as seconds or as an HTTP date', () => {
    expect(parseRetryAfterMs('3')).toBe(3_000);
    expect(parseRetryAfterMs('0.5')).toBe(500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('soon')).toBeUndefined();
    expect(parseRetryAfterMs(null)).toBeUndefined();
  });

  test('the default policy retries a few times within seconds', () => {
    expect(DEFAULT_RETRY_POLICY.maxRetries).toBeGreaterThan(0);
    expect(DEFAULT_RETRY_POLICY.maxDelayMs).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.maxRetryAfterMs);
  });
});

describe('which failures are retried', () => {
  test.each([
    ['idempotent', undefined, undefined, true],
    ['idempotent', 429, 'THROTTLED', true],
    ['idempotent', 503, 'UNAVAILABLE', true],
    ['idempotent', 502, 'UNAVAILABLE', true],
    ['idempotent', 504, 'UNAVAILABLE', true],
    ['idempotent', 409, 'REQUEST_IN_PROGRESS', true],
    ['idempotent', 409, 'NOT_LEASE_HOLDER', false],
    ['idempotent', 500, 'INTERNAL', false],
    ['idempotent', 400, 'INVALID_REQUEST', false],
    ['if-refused', undefined, undefined, false],
    ['if-refused', 502, 'UNAVAILABLE', false],
    ['if-refused', 429, 'THROTTLED', true],
    ['if-refused', 503, 'UNAVAILABLE', true],
    ['never', 503, 'UNAVAILABLE', false],
    ['never', undefined, undefined, false],
  ] as const)('%s after %s %s: %s', (mode, status, code, expected) => {
    expect(isRetryable(mode, status, code)).toBe(expected);
  });
});

describe('HttpTransport', () => {
  test('retries 503s with jittered backoff, then returns the answer', async () => {
    const delays: number[] = [];
    const { fetch, calls } = scriptedFetch([
      jsonResponse(503, apiError('UNAVAILABLE')),
      jsonResponse(503, apiError('UNAVAILABLE')),
      jsonResponse(200, { topics: [] }),
    ]);
    await expect(transport(fetch, delays).request(get)).resolves.toEqual({ topics: [] });
    expect(calls).toHaveLength(3);
    expect(delays).toEqual([50, 100]); // random 0.5 of the ceilings 100 and 200
  });

  test("honours a 429's Retry-After", async () => {
    const delays: number[] = [];
    const { fetch, calls } = scriptedFetch([jsonResponse(429, apiError('THROTTLED'), { 'Retry-After': '2' }), jsonResponse(200, { ok: 1 })]);
    await expect(transport(fetch, delays).request(get)).resolves.toEqual({ ok: 1 });
    expect(calls).toHaveLength(2);
    expect(delays).toEqual([2_000]);
  });

  test('retries network errors of an idempotent request', async () => {
    const delays: number[] = [];
    const { fetch, calls } = scriptedFetch([networkError, networkError, jsonResponse(200, { ok: 1 })]);
    await expect(transport(fetch, delays).request(get)).resolves.toEqual({ ok: 1 });
    expect(calls).toHaveLength(3);
  });

  test('does not repeat a request that may have taken effect after a network error', async () => {
    const { fetch, calls } = scriptedFetch([networkError, jsonResponse(200, {})]);
    const error = await transport(fetch, [])
      .request({ method: 'POST', path: '/v1/groups/g/nack', body: {}, retry: 'if-refused' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TributaryConnectionError);
    expect((error as Error).message).toContain('POST http://api.test/v1/groups/g/nack');
    expect(calls).toHaveLength(1);
  });

  test('never retries a produce without an Idempotency-Key', async () => {
    const { fetch, calls } = scriptedFetch([jsonResponse(503, apiError('UNAVAILABLE')), jsonResponse(200, {})]);
    await expect(
      transport(fetch, []).request({ method: 'POST', path: '/v1/topics/t/records', body: {}, retry: 'never' }),
    ).rejects.toBeInstanceOf(UnavailableError);
    expect(calls).toHaveLength(1);
  });

  test('non-retryable errors are thrown at once as their class', async () => {
    const { fetch, calls } = scriptedFetch([jsonResponse(400, apiError('INVALID_REQUEST', 'records[0].partiton: unknown field'))]);
    const error = await transport(fetch, []).request(get).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: 'records[0].partiton: unknown field' });
    expect(calls).toHaveLength(1);
  });

  test('gives up after maxRetries retries with the last error', async () => {
    const delays: number[] = [];
    const { fetch, calls } = scriptedFetch(Array.from({ length: 10 }, () => jsonResponse(503, apiError('UNAVAILABLE'))));
    await expect(transport(fetch, delays, () => 0.999_999).request(get)).rejects.toBeInstanceOf(UnavailableError);
    expect(calls).toHaveLength(policy.maxRetries + 1);
    expect(delays).toEqual([99, 199, 399, 799]);
  });

  test("the caller's abort stops retrying", async () => {
    const controller = new AbortController();
    const { fetch, calls } = scriptedFetch([
      () => {
        controller.abort(new Error('stopped by caller'));
        throw new DOMException('aborted', 'AbortError');
      },
    ]);
    await expect(transport(fetch, []).request({ ...get, signal: controller.signal })).rejects.toThrow('stopped by caller');
    expect(calls).toHaveLength(1);
  });

  test('sends the bearer token, JSON body and query; 204 resolves to undefined', async () => {
    const urls: string[] = [];
    const calls: RequestInit[] = [];
    const fetch: FetchLike = async (url, init) => {
      urls.push(url);
      calls.push(init);
      return new Response(null, { status: 204 });
    };
    const result = await transport(fetch, []).request({
      method: 'DELETE',
      path: '/v1/groups/g/consumers/c',
      query: { topic: 'a b', skipped: undefined },
      body: { x: 1 },
      retry: 'idempotent',
    });
    expect(result).toBeUndefined();
    expect(urls).toEqual(['http://api.test/v1/groups/g/consumers/c?topic=a+b']);
    const headers = new Headers(calls[0]?.headers);
    expect(headers.get('authorization')).toBe('Bearer trb_test');
    expect(headers.get('content-type')).toBe('application/json');
    expect(calls[0]?.body).toBe('{"x":1}');
  });
});

describe('producer retries', () => {
  test('one Idempotency-Key per batch, the same on every retry of it', async () => {
    const { fetch, calls } = scriptedFetch([
      jsonResponse(503, apiError('UNAVAILABLE')),
      () => networkError(),
      jsonResponse(200, { results: [{ partition: 0, offset: 0 }] }),
      jsonResponse(200, { results: [{ partition: 0, offset: 1 }] }),
    ]);
    let n = 0;
    const producer = new Producer(transport(fetch, []), { maxBatchRecords: 1, idempotencyKey: () => `key-${++n}` });
    const positions = await producer.send({ topic: 't', records: [{ value: 'a' }, { value: 'b' }] });
    expect(positions).toEqual([
      { partition: 0, offset: 0 },
      { partition: 0, offset: 1 },
    ]);
    expect(calls.map((c) => new Headers(c.headers).get('idempotency-key'))).toEqual(['key-1', 'key-1', 'key-1', 'key-2']);
  });

  test('planBatches respects the record count and byte limits, and sends an oversized record alone', () => {
    const overhead = '{"records":[]}'.length;
    expect(planBatches([10, 10, 10, 10, 10], 2, 1_000)).toEqual([
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
    // two 10-byte records and a comma fit exactly; a third does not
    expect(planBatches([10, 10, 10], 500, overhead + 21)).toEqual([
      [0, 2],
      [2, 3],
    ]);
    expect(planBatches([5, 5_000, 5], 500, overhead + 100)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(planBatches([], 500, 1_000)).toEqual([]);
  });
});

describe('errors from the shared table', () => {
  test('every code of the table has a class, and a response with it becomes that class', () => {
    for (const code of ERROR_CODES) {
      const error = errorFromResponse(STATUS_BY_CODE[code], apiError(code, `about ${code}`));
      expect(error).toBeInstanceOf(ERROR_CLASSES[code]);
      expect(error).toBeInstanceOf(TributaryError);
      expect(error).toMatchObject({ code, status: STATUS_BY_CODE[code], message: `about ${code}` });
    }
    expect(new Set(Object.values(ERROR_CLASSES)).size).toBe(ERROR_CODES.length);
  });

  test('details beside the error body are kept', () => {
    const range = errorFromResponse(416, { startOffset: 4, endOffset: 6, ...apiError('OFFSET_OUT_OF_RANGE') });
    expect(range).toBeInstanceOf(OffsetOutOfRangeError);
    expect((range as OffsetOutOfRangeError).startOffset).toBe(4);
    expect((range as OffsetOutOfRangeError).endOffset).toBe(6);
    const fenced = errorFromResponse(409, { partitions: [0, 2], ...apiError('NOT_LEASE_HOLDER') });
    expect((fenced as NotLeaseHolderError).partitions).toEqual([0, 2]);
  });

  test("a body without the API's error (a gateway's own answer) is read by its status", () => {
    const throttled = errorFromResponse(429, { message: 'Too Many Requests' });
    expect(throttled).toBeInstanceOf(ThrottledError);
    expect(throttled.message).toBe('Too Many Requests');
    expect(errorFromResponse(404, undefined).code).toBe('NOT_FOUND');
    expect(errorFromResponse(504, { message: 'Endpoint request timed out' })).toBeInstanceOf(UnavailableError);
    expect(errorFromResponse(418, undefined).code).toBe('INVALID_REQUEST');
  });

  test('a code this client does not know stays readable', () => {
    const error = errorFromResponse(400, apiError('SOMETHING_NEW', 'new rule'));
    expect(error.constructor).toBe(TributaryError);
    expect(error.code).toBe('SOMETHING_NEW');
    expect(errorFromResponse(404, apiError('TOPIC_NOT_FOUND'))).toBeInstanceOf(TopicNotFoundError);
  });
});
