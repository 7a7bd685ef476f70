/**
 * A live-notification connection (API.md, "Live notifications (WebSocket)"):
 * one WebSocket per client, shared by its consumers, that says when a
 * watched topic has new records, so an idle consumer waits on the socket
 * instead of paying for long polls.
 *
 * - Discovery: none. The client tries to connect (to `liveUrl`, default
 *   `ws(s)://<host>/v1/live` of the API URL, where the local stack serves it;
 *   on AWS pass the stack's `LiveUrl` output) and falls back to long polls
 *   whenever it cannot: `waitForRecords` then answers `unavailable`.
 * - Keep-alive: a `ping` every `pingIntervalMs` (default 8 minutes, under API
 *   Gateway's 10-minute idle timeout; fewer pings are the biggest saving of an
 *   idle consumer-month), and the socket is replaced before API Gateway's
 *   2-hour limit (`maxConnectionMs`, default 110 minutes).
 * - Reconnects with exponential backoff and full jitter (1 s doubling to
 *   60 s); meanwhile consumers long-poll.
 * - WebSocket: the global one where there is one (Node 22+, browsers, Deno,
 *   Bun; Node's sends the Authorization header), else the `ws` package,
 *   imported on first use (Node 20, whose WebSocket is still experimental and
 *   off). Without either, live is simply unavailable.
 */
import type { LiveServerMessage } from './protocol/live';
import { LIVE_PATH } from './protocol/live';

/** The least of a WebSocket this module uses (the global one and `ws` both have it). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: { data?: unknown }) => void): void;
}

/** Opens a socket with an Authorization header. */
export type SocketFactory = (url: string, headers: Record<string, string>) => SocketLike | Promise<SocketLike>;

export interface LiveOptions {
  /** `ws://…/v1/live` or the stack's `wss://…/live` URL. */
  url: string;
  token: string;
  /** @default 480000 (8 minutes) */
  pingIntervalMs?: number;
  /** A ping unanswered this long closes the socket. @default 10000 */
  pongTimeoutMs?: number;
  /** Reconnect before this age (API Gateway closes at 2 hours). @default 6600000 (110 minutes) */
  maxConnectionMs?: number;
  /** First reconnect delay ceiling; doubles per failure. @default 1000 */
  reconnectBaseDelayMs?: number;
  /** @default 60000 */
  reconnectMaxDelayMs?: number;
  /** How to open sockets (tests inject one). Default: the global WebSocket, else `ws`. */
  socket?: SocketFactory;
  random?: () => number;
}

/** What `waitForRecords` saw. `records`: poll now. `unavailable`: no live connection, long-poll instead. */
export type LiveWait = 'records' | 'timeout' | 'unavailable' | 'aborted';

/**
 * What one waiter has seen of the connection's notifications. Every waiter
 * (each consumer, each follow) keeps its own: a notification wakes every
 * waiter whose cursor is behind it, so two consumers of one topic sharing a
 * connection are both woken, and one that was busy when it came still sees it
 * at its next wait. Without a cursor, a wait sees only notifications that
 * arrive during it.
 */
export interface LiveCursor {
  seen: number;
}

/** The interface consumers wait through (share consumers, fetch follow, the CLI). */
export interface RecordWaiter {
  /**
   * Resolves `records` when the topic may have new records (a notification,
   * or a fresh watch: the caller should poll once right away), `timeout`
   * after `timeoutMs`, `unavailable` when there is no live connection
   * (long-poll instead), `aborted` when `signal` fires.
   */
  waitForRecords(topic: string, signal?: AbortSignal, timeoutMs?: number, cursor?: LiveCursor): Promise<LiveWait>;
  /** The caller starts waiting on the topic (pairs with `release`). */
  retain?(topic: string): void;
  /** The caller stopped waiting on the topic for good (the connection closes when no one waits on any). */
  release?(topic: string): void;
}

const OPEN = 1;

/** The keep-alive and renewal defaults (the bench prices an idle consumer-month from them). */
export const LIVE_DEFAULTS = {
  /** Under API Gateway's 10-minute idle timeout, with a margin; each ping is 2 billed messages (ping, pong). */
  pingIntervalMs: 480_000,
  pongTimeoutMs: 10_000,
  /** Renewed 10 minutes before API Gateway's 2-hour limit. */
  maxConnectionMs: 6_600_000,
  reconnectBaseDelayMs: 1_000,
  reconnectMaxDelayMs: 60_000,
} as const;

interface Watch {
  state: 'pending' | 'watching' | 'refused';
  /** The connection's sequence number at this topic's last notification, or at the watch (records may have come before it). */
  notified: number;
  settle?: (ok: boolean) => void;
}

/** The default socket factory: global WebSocket (with headers, as Node's accepts), else `ws`. */
async function defaultSocket(url: string, headers: Record<string, string>): Promise<SocketLike> {
  const Global = (globalThis as { WebSocket?: new (url: string, options: unknown) => SocketLike }).WebSocket;
  if (Global) return new Global(url, { headers });
  const { default: WS } = (await import('ws')) as unknown as { default: new (url: string, options: unknown) => SocketLike };
  return new WS(url, { headers });
}

/** `http://host:4000` → `ws://host:4000/v1/live`. */
export function defaultLiveUrl(apiUrl: string): string {
  return `${apiUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}${LIVE_PATH}`;
}

export class LiveConnection implements RecordWaiter {
  private socket: SocketLike | undefined;
  private opening: Promise<boolean> | undefined;
  private readonly watches = new Map<string, Watch>();
  private readonly wakers = new Set<() => void>();
  private failures = 0;
  /** Counts watches made and notifications received; cursors compare against it. */
  private seq = 0;
  private retryAt = 0;
  private closed = false;
  private timers: ReturnType<typeof setTimeout>[] = [];
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  /** Connections opened (for tests and metrics). */
  connects = 0;

  constructor(private readonly options: LiveOptions) {}

  async waitForRecords(topic: string, signal?: AbortSignal, timeoutMs?: number, cursor?: LiveCursor): Promise<LiveWait> {
    if (signal?.aborted) return 'aborted';
    const seen = cursor ?? { seen: this.seq };
    if (!(await this.ensureOpen())) return 'unavailable';
    const watch = await this.ensureWatch(topic);
    if (watch === 'refused') return 'unavailable';
    // A fresh watch, or a notification this waiter has not seen: poll now.
    const behind = () => {
      const current = this.watches.get(topic);
      if (!current || current.notified <= seen.seen) return false;
      seen.seen = this.seq;
      return true;
    };
    if (behind()) return 'records';
    return new Promise<LiveWait>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (outcome: LiveWait) => {
        this.wakers.delete(wake);
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const wake = () => {
        const current = this.watches.get(topic);
        if (!this.socket || !current || current.state !== 'watching') return finish('unavailable');
        if (behind()) finish('records');
      };
      const onAbort = () => finish('aborted');
      this.wakers.add(wake);
      signal?.addEventListener('abort', onAbort);
      if (timeoutMs !== undefined) timer = setTimeout(() => finish('timeout'), timeoutMs);
    });
  }

  /** Users per topic (consumers running on it). */
  private readonly users = new Map<string, number>();

  /** Counts a user of the topic (released with `release`). */
  retain(topic: string): void {
    this.users.set(topic, (this.users.get(topic) ?? 0) + 1);
  }

  /**
   * One user of the topic is done: the last one unwatches it, and with no
   * watch left the socket closes (so a finished consumer does not keep the
   * process alive); the next wait connects again.
   */
  release(topic: string): void {
    const left = (this.users.get(topic) ?? 1) - 1;
    if (left > 0) return void this.users.set(topic, left);
    this.users.delete(topic);
    if (this.watches.delete(topic) && this.socket?.readyState === OPEN) this.send({ action: 'unwatch', topic });
    if (this.users.size === 0) this.drop();
  }

  /** Closes the socket for good; waits answer `unavailable`. */
  close(): void {
    this.closed = true;
    this.drop();
  }

  private send(message: unknown): void {
    this.socket?.send(JSON.stringify(message));
  }

  private async ensureOpen(): Promise<boolean> {
    if (this.closed) return false;
    if (this.socket?.readyState === OPEN) return true;
    if (this.opening) return this.opening;
    if (Date.now() < this.retryAt) return false;
    this.opening = this.open().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async open(): Promise<boolean> {
    let socket: SocketLike;
    try {
      const factory = this.options.socket ?? defaultSocket;
      socket = await factory(this.options.url, { Authorization: `Bearer ${this.options.token}` });
    } catch {
      return this.failed();
    }
    const opened = await new Promise<boolean>((resolve) => {
      socket.addEventListener('open', () => resolve(true));
      socket.addEventListener('error', () => resolve(false));
      socket.addEventListener('close', () => {
        resolve(false);
        if (this.socket === socket) this.drop();
      });
      socket.addEventListener('message', (event) => this.onMessage(event.data));
    });
    if (!opened || this.closed) {
      socket.close();
      return this.closed ? false : this.failed();
    }
    this.socket = socket;
    this.failures = 0;
    this.connects += 1;
    this.startTimers();
    return true;
  }

  private failed(): false {
    const ceiling = Math.min(this.options.reconnectMaxDelayMs ?? LIVE_DEFAULTS.reconnectMaxDelayMs, (this.options.reconnectBaseDelayMs ?? LIVE_DEFAULTS.reconnectBaseDelayMs) * 2 ** this.failures);
    this.failures += 1;
    this.retryAt = Date.now() + Math.floor((this.options.random ?? Math.random)() * ceiling);
    return false;
  }

  private startTimers(): void {
    const unref = (t: ReturnType<typeof setTimeout>) => ((t as { unref?: () => void }).unref?.(), t);
    const ping = setInterval(() => {
      this.send({ action: 'ping' });
      this.pongTimer ??= unref(setTimeout(() => this.drop(), this.options.pongTimeoutMs ?? LIVE_DEFAULTS.pongTimeoutMs));
    }, this.options.pingIntervalMs ?? LIVE_DEFAULTS.pingIntervalMs);
    // Replace the socket before API Gateway's 2-hour limit; the next wait reconnects at once and polls.
    const rotate = setTimeout(() => this.drop(), this.options.maxConnectionMs ?? LIVE_DEFAULTS.maxConnectionMs);
    this.timers = [unref(ping), unref(rotate)];
  }

  /** Forgets the socket (closing it): watches must be made again, waiters fall back. */
  private drop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    for (const watch of this.watches.values()) watch.settle?.(false);
    this.watches.clear();
    for (const wake of [...this.wakers]) wake();
    try {
      socket?.close();
    } catch {
      // already closing
    }
  }

  private ensureWatch(topic: string): Promise<'fresh' | 'watching' | 'refused'> {
    const existing = this.watches.get(topic);
    if (existing?.state === 'watching') return Promise.resolve('watching');
    if (existing?.state === 'refused') return Promise.resolve('refused');
    return new Promise((resolve) => {
      const entry: Watch = existing ?? { state: 'pending', notified: ++this.seq };
      const previous = entry.settle;
      entry.settle = (ok) => {
        previous?.(ok);
        resolve(ok ? 'fresh' : 'refused');
      };
      if (!existing) {
        this.watches.set(topic, entry);
        this.send({ action: 'watch', topic });
        // An answer that never comes (a lost message) must not park the consumer: fall back.
        const timer = setTimeout(() => {
          if (entry.state !== 'pending') return;
          this.watches.delete(topic);
          entry.settle?.(false);
        }, this.options.pongTimeoutMs ?? LIVE_DEFAULTS.pongTimeoutMs);
        (timer as { unref?: () => void }).unref?.();
      }
    });
  }

  private onMessage(data: unknown): void {
    let message: LiveServerMessage;
    try {
      message = JSON.parse(typeof data === 'string' ? data : String(data)) as LiveServerMessage;
    } catch {
      return;
    }
    if (message.type === 'pong') {
      if (this.pongTimer) clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
    } else if (message.type === 'watching' || (message.type === 'error' && message.topic)) {
      const entry = this.watches.get(message.topic!);
      if (!entry || entry.state !== 'pending') return;
      entry.state = message.type === 'watching' ? 'watching' : 'refused';
      const settle = entry.settle;
      entry.settle = undefined;
      settle?.(entry.state === 'watching');
    } else if (message.type === 'records') {
      const entry = this.watches.get(message.topic);
      if (entry?.state !== 'watching') return;
      entry.notified = ++this.seq;
      for (const wake of [...this.wakers]) wake();
    }
  }
}
