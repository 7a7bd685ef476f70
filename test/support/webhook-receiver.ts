/**
 * A real webhook receiver for tests: node:http on 127.0.0.1, recording every
 * delivery (headers, parsed body) and answering what the test's responder
 * says (default 204). Never listens beyond loopback.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: unknown;
  headers: Record<string, string>;
  timestamp: number;
}

export interface Delivery {
  headers: IncomingHttpHeaders;
  raw: string;
  body: { topic: string; subscription: string; partition: number; records: ReceivedRecord[] };
  /** Status the receiver answered. */
  status: number;
}

export type Responder = (delivery: Omit<Delivery, 'status'>) => number | Promise<number>;

export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  respond: Responder = () => 204;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const delivery = { headers: req.headers, raw, body: JSON.parse(raw) as Delivery['body'] };
        void Promise.resolve(this.respond(delivery)).then((status) => {
          this.deliveries.push({ ...delivery, status });
          res.writeHead(status).end();
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Records of the deliveries answered 2xx, in arrival order. */
  delivered(): ReceivedRecord[] {
    return this.deliveries.filter((d) => d.status >= 200 && d.status < 300).flatMap((d) => d.body.records);
  }

  /** Waits until `predicate` holds (checked every 50 ms), failing after `timeoutMs`. */
  async waitFor(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; ${this.deliveries.length} deliveries so far`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
