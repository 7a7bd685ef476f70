/** A test WebSocket on the live-notification protocol: queued messages, awaited one by one. */
import WebSocket from 'ws';
import type { LiveServerMessage } from '../../packages/client/src/protocol/live';

export class LiveSocket {
  private readonly queue: LiveServerMessage[] = [];
  private readonly waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.queue.push(JSON.parse(data.toString('utf8')) as LiveServerMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
    ws.on('close', () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Opens `/v1/live`; rejects with the HTTP status when the upgrade is refused. */
  static open(baseUrl: string, auth: { token?: string; query?: string }): Promise<LiveSocket> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/v1/live${auth.query ? `?token=${encodeURIComponent(auth.query)}` : ''}`;
    const ws = new WebSocket(url, { headers: auth.token ? { Authorization: `Bearer ${auth.token}` } : {} });
    return new Promise((resolve, reject) => {
      const socket = new LiveSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message (waits up to `timeoutMs`). */
  async next(timeoutMs = 10_000): Promise<LiveServerMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (this.ws.readyState !== WebSocket.OPEN) throw new Error('socket closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no message in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return this.queue.shift() as LiveServerMessage;
  }

  /** Sends a message and returns the answer (the next message). */
  async request(message: unknown): Promise<LiveServerMessage> {
    this.send(message);
    return this.next();
  }

  /** Messages received up to a pong: everything the server sent before it answered this ping. */
  async drainUntilPong(): Promise<LiveServerMessage[]> {
    this.send({ action: 'ping' });
    const seen: LiveServerMessage[] = [];
    for (;;) {
      const message = await this.next();
      if (message.type === 'pong') return seen;
      seen.push(message);
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
