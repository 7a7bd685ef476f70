/**
 * The console's view of the HTTP API: `fetch` with the signed-in token, the
 * API's error body turned into `ApiError`. The API lives beside the console:
 * `/console/` → `/v1/…` (on AWS, under the same stage prefix).
 */
import type { Permission } from '../../packages/client/src/types';

const TOKEN_KEY = 'tributary.token';

/** The token lives in sessionStorage only: never in a URL, gone when the tab closes. */
export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  signIn(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  signOut(): void {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** The API's base path: whatever precedes `/console/` in this page's path (a stage name on AWS). */
export const apiBase = location.pathname.replace(/\/console(\/.*)?$/, '');

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /** A 404 for the route itself: this server does not have the feature. */
  get routeMissing(): boolean {
    return this.status === 404 && this.code === 'NOT_FOUND' && /^No route matches/.test(this.message);
  }
}

type Query = Record<string, string | number | undefined>;

function url(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return `${apiBase}${path}${qs ? `?${qs}` : ''}`;
}

let onUnauthenticated: () => void = () => undefined;
/** Called when the API answers 401: the token was revoked or is wrong. */
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

/** Calls the API; resolves the JSON body (undefined for 204), rejects with ApiError. */
export async function api<T>(method: string, path: string, options: { query?: Query; body?: unknown; token?: string; signal?: AbortSignal } = {}): Promise<T> {
  const token = options.token ?? session.token ?? '';
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      cache: 'no-store',
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', 'The API could not be reached.');
  }
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (response.status === 401 && !options.token) onUnauthenticated();
    throw new ApiError(response.status, error?.code ?? 'ERROR', error?.message ?? `HTTP ${response.status}`);
  }
  return body as T;
}

export const path = (strings: TemplateStringsArray, ...values: Array<string | number>): string =>
  strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');

export type { Permission };
export type {
  CreatedToken,
  DeadLetter,
  DeadLetterPage,
  GroupDescription,
  TokenInfo,
  TopicDescription,
  TopicReader,
  TopicSummary,
  TributaryRecord,
  WhoAmI,
} from '../../packages/client/src/types';
