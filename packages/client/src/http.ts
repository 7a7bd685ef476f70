/**
 * One HTTP request to the API, with authentication, JSON bodies, typed
 * errors and retries. Only the global `fetch` (Node 18+, browsers, Deno,
 * Bun) is used, and it can be injected.
 *
 * A request is retried only when repeating it cannot do harm; each call
 * site says how much that is (`RetryMode`):
 *  - `idempotent` (reads, polls, commits, and produce with an
 *    Idempotency-Key): after network errors and timeouts, 429, 502, 503,
 *    504, and 409 REQUEST_IN_PROGRESS.
 *  - `if-refused` (nack, create, redrive, delete): only when the server said
 *    it did nothing (429 THROTTLED, 503 UNAVAILABLE, REQUEST_IN_PROGRESS);
 *    after a network error the first attempt may have taken effect.
 *  - `never` (produce without an Idempotency-Key).
 */
import { DEFAULT_RETRY_POLICY, parseRetryAfterMs, retryDelayMs, type RetryPolicy } from './backoff';
import { TributaryConnectionError, TributaryError, errorFromResponse } from './errors';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export type RetryMode = 'idempotent' | 'if-refused' | 'never';

export interface RetryInfo {
  method: string;
  path: string;
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  /** The status that caused it, or undefined after a network error. */
  status: number | undefined;
  error: unknown;
}

export interface TransportOptions {
  /** Base URL of the API, e.g. `http://127.0.0.1:4000` or `https://…/prod` (without `/v1`). */
  url: string;
  /** A bearer token (`trb_<id>_<secret>`). */
  token: string;
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  retry?: Partial<RetryPolicy>;
  /** Per attempt, on top of any long-poll wait (default 30 s). */
  timeoutMs?: number;
  /** Source of jitter (tests inject a fixed one). */
  random?: () => number;
  /** How to wait between retries (tests inject one that records the delays). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called before each retry (for logging). */
  onRetry?: (info: RetryInfo) => void;
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under the base URL, with segments already encoded (use `apiPath`). */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  retry: RetryMode;
  signal?: AbortSignal;
  /** Added to the attempt timeout: the long-poll wait the server may take. */
  waitMs?: number;
}

/** A path with each interpolated value URI-encoded as one segment: apiPath`/v1/topics/${name}`. */
export function apiPath(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  return strings.reduce((out, part, i) => out + part + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');
}

/** Whether a failed attempt may be repeated under this mode. `status` is undefined after a network error. */
export function isRetryable(mode: RetryMode, status: number | undefined, code: string | undefined): boolean {
  if (mode === 'never') return false;
  const refused = status === 429 || status === 503 || code === 'REQUEST_IN_PROGRESS';
  if (mode === 'if-refused') return refused;
  return refused || status === undefined || status === 502 || status === 504;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export class HttpTransport {
  readonly url: string;
  private readonly token: string;
  private readonly fetchImpl: FetchLike;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly onRetry: ((info: RetryInfo) => void) | undefined;

  constructor(options: TransportOptions) {
    if (!/^https?:\/\//.test(options.url)) throw new TypeError(`The API URL must start with http:// or https://, got '${options.url}'`);
    if (!options.token) throw new TypeError('A token is required');
    this.url = options.url.replace(/\/+$/, '');
    this.token = options.token;
    this.fetchImpl = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? abortableSleep;
    this.onRetry = options.onRetry;
  }

  /** Sends the request, retrying as its mode allows; resolves to the parsed JSON body (undefined for 204). */
  async request<T>(request: ApiRequest): Promise<T> {
    const url = this.url + request.path + queryString(request.query);
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, Accept: 'application/json', ...request.headers };
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['Content-Type'] = 'application/json';
    }
    for (let retry = 0; ; retry++) {
      const attemptTimeout = AbortSignal.timeout(this.timeoutMs + (request.waitMs ?? 0));
      const signal = request.signal ? AbortSignal.any([request.signal, attemptTimeout]) : attemptTimeout;
      let failure: unknown;
      let status: number | undefined;
      let retryAfterMs: number | undefined;
      try {
        const response = await this.fetchImpl(url, { method: request.method, headers, body, signal });
        const parsed = await readBody(response);
        if (response.ok) return parsed as T;
        status = response.status;
        retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
        failure = errorFromResponse(response.status, parsed, retryAfterMs);
      } catch (error) {
        // The caller's own abort ends the request at once; everything else is a network failure.
        if (request.signal?.aborted) throw request.signal.reason ?? error;
        failure = error;
      }
      const code = failure instanceof TributaryError ? failure.code : undefined;
      if (retry >= this.policy.maxRetries || !isRetryable(request.retry, status, code)) {
        throw failure instanceof TributaryError ? failure : connectionError(request, url, failure);
      }
      const delayMs = retryDelayMs(retry, this.policy, retryAfterMs, this.random);
      this.onRetry?.({ method: request.method, path: request.path, retry: retry + 1, delayMs, status, error: failure });
      await this.sleep(delayMs, request.signal);
    }
  }
}

function queryString(query: ApiRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // Not the API's JSON (e.g. a proxy's HTML error page): keep a bounded excerpt for the message.
    return { message: text.slice(0, 200) };
  }
}

function connectionError(request: ApiRequest, url: string, cause: unknown): TributaryConnectionError {
  const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
  const reason = timedOut ? 'timed out' : cause instanceof Error ? describeCause(cause) : String(cause);
  return new TributaryConnectionError(`${request.method} ${url} failed: ${reason}`, { cause });
}

/** fetch's TypeError('fetch failed') hides the useful part (ECONNREFUSED …) in its cause. */
function describeCause(error: Error): string {
  const inner = error.cause;
  if (inner instanceof Error && inner.message) return `${error.message} (${inner.message})`;
  return error.message;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
