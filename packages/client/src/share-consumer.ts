/**
 * A share-group consumer: a work queue over a topic (API.md, "Share
 * groups"). Iterate with `for await`, and settle each record with
 * `accept()`, `release()` or `reject()`; while a record is unsettled its lock
 * is renewed in the background, so a slow handler never loses it. Acks are
 * gathered for a few milliseconds and sent together (one request acks up to
 * 1000 records), so settling record by record costs few requests.
 *
 * @example
 * const consumer = client.shareConsumer({ group: 'workers', topic: 'orders', concurrency: 8 });
 * for await (const record of consumer) {
 *   void handle(record).then(() => record.accept(), (e) => record.release());
 * }
 * // or: await consumer.run({ eachRecord: async (record) => handle(record) });
 */
import { apiPath, type HttpTransport } from './http';
import type { AcquiredRecord, AckStatus, RecordFilter, ShareAck, ShareAckResult, ShareReceiveRequest } from './share-types';

export interface ShareConsumerOptions {
  group: string;
  topic: string;
  /** Names this consumer in the group's member count; optional. */
  consumerId?: string;
  /** Records handed out and not yet settled at most (default 1): the iterator waits for a settle beyond it. */
  concurrency?: number;
  /** Lock length per receive, 1000 to 43200000 ms (default 30000); renewed while a record is unsettled. */
  lockMs?: number;
  /** Records per receive, 1 to 1000 (default: concurrency, at least 10). */
  maxRecords?: number;
  /** Long-poll wait per receive, 0 to 20000 ms (default 10000). */
  waitMs?: number;
  autoOffsetReset?: 'earliest' | 'latest';
  filter?: RecordFilter;
  /** Renew locks of unsettled records in the background (default true). */
  autoRenew?: boolean;
  /** How long acks wait to be sent together (default 5 ms). */
  ackLingerMs?: number;
}

/** A record with its settle methods; each resolves to the server's status (`lock-lost` when the lock was gone). */
export interface ShareRecord extends AcquiredRecord {
  accept(): Promise<AckStatus>;
  /** Offers the record again (after `delayMs`); at the delivery limit it is dead-lettered instead. */
  release(delayMs?: number): Promise<AckStatus>;
  /** Dead-letters the record at once with `error`. */
  reject(error?: string): Promise<AckStatus>;
}

const DEFAULT_WAIT_MS = 10_000;
const DEFAULT_LOCK_MS = 30_000;
const MAX_ACKS_PER_REQUEST = 1000;
const MAX_ERROR_LENGTH = 4096;

export class ShareConsumer implements AsyncIterable<ShareRecord> {
  private readonly concurrency: number;
  private readonly lockMs: number;
  /** Handed out (or buffered) and not settled, by "partition:offset". */
  private readonly unsettled = new Map<string, AcquiredRecord>();
  private readonly buffer: AcquiredRecord[] = [];
  private queued: Array<{ ack: ShareAck; resolve: (s: AckStatus) => void; reject: (e: unknown) => void }> = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private renewTimer: ReturnType<typeof setInterval> | undefined;
  private settled: (() => void) | undefined;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly transport: HttpTransport,
    private readonly options: ShareConsumerOptions,
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.lockMs = options.lockMs ?? DEFAULT_LOCK_MS;
  }

  /** One receive: acquires up to `maxRecords` records under a lock. */
  async receive(request: ShareReceiveRequest = {}): Promise<AcquiredRecord[]> {
    const waitMs = request.waitMs ?? this.options.waitMs ?? DEFAULT_WAIT_MS;
    const { records } = await this.transport.request<{ records: AcquiredRecord[] }>({
      method: 'POST',
      path: apiPath`/v1/share-groups/${this.options.group}/receive`,
      body: {
        topic: this.options.topic,
        consumerId: this.options.consumerId,
        maxRecords: request.maxRecords ?? this.options.maxRecords ?? Math.max(10, this.concurrency),
        waitMs,
        lockMs: this.lockMs,
        autoOffsetReset: this.options.autoOffsetReset,
        filter: this.options.filter,
      },
      // A repeat after a lost response only leaves the first answer's records locked until their locks expire.
      retry: 'idempotent',
      signal: request.signal,
      waitMs,
    });
    return records;
  }

  /** Sends acks now (up to 1000); one result per ack, in order. */
  async ack(acks: readonly ShareAck[]): Promise<ShareAckResult[]> {
    const { results } = await this.transport.request<{ results: ShareAckResult[] }>({
      method: 'POST',
      path: apiPath`/v1/share-groups/${this.options.group}/ack`,
      body: { topic: this.options.topic, acks },
      // A repeat of an applied ack answers lock-lost and changes nothing.
      retry: 'idempotent',
    });
    return results;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ShareRecord> {
    this.startRenewing();
    try {
      while (!this.stopped) {
        while (this.unsettled.size - this.buffer.length >= this.concurrency && !this.stopped) {
          await new Promise<void>((resolve) => (this.settled = resolve));
        }
        if (this.stopped) break;
        if (this.buffer.length === 0) {
          const records = await this.receive({ signal: this.abort.signal }).catch((error: unknown) => {
            if (this.stopped) return [];
            throw error;
          });
          for (const record of records) this.unsettled.set(keyOf(record), record);
          this.buffer.push(...records);
          continue;
        }
        yield this.wrap(this.buffer.shift() as AcquiredRecord);
      }
    } finally {
      await this.close();
    }
  }

  /** Runs `eachRecord` on up to `concurrency` records at once: accepted when it resolves, released when it throws. */
  async run(config: { eachRecord: (record: ShareRecord) => Promise<void> | void }): Promise<void> {
    const running = new Set<Promise<void>>();
    for await (const record of this) {
      const task = (async () => {
        try {
          await config.eachRecord(record);
          await record.accept();
        } catch (error) {
          await record.release().catch(() => undefined);
          void error;
        }
      })();
      running.add(task);
      void task.finally(() => running.delete(task));
    }
    await Promise.all(running);
  }

  /** Stops the iterator; records received and not yet handed out are released for the others. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.settled?.();
  }

  private async close(): Promise<void> {
    this.stopped = true;
    if (this.renewTimer) clearInterval(this.renewTimer);
    const leftover = this.buffer.splice(0);
    await Promise.all(leftover.map((record) => this.settle(record, { type: 'release', delayMs: 0 }).catch(() => undefined)));
    await this.flush();
  }

  private wrap(record: AcquiredRecord): ShareRecord {
    return {
      ...record,
      accept: () => this.settle(record, { type: 'accept' }),
      release: (delayMs = 0) => this.settle(record, { type: 'release', delayMs }),
      reject: (error) => this.settle(record, { type: 'reject', ...(error ? { error: error.slice(0, MAX_ERROR_LENGTH) } : {}) }),
    };
  }

  private settle(record: AcquiredRecord, how: Pick<ShareAck, 'type' | 'delayMs' | 'error'>): Promise<AckStatus> {
    this.unsettled.delete(keyOf(record));
    this.settled?.();
    this.settled = undefined;
    return this.enqueue({ partition: record.partition, offset: record.offset, lockToken: record.lockToken, ...how });
  }

  private enqueue(ack: ShareAck): Promise<AckStatus> {
    return new Promise((resolve, reject) => {
      this.queued.push({ ack, resolve, reject });
      if (this.queued.length >= MAX_ACKS_PER_REQUEST) void this.flush();
      else this.flushTimer ??= setTimeout(() => void this.flush(), this.options.ackLingerMs ?? 5);
    });
  }

  private async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0, MAX_ACKS_PER_REQUEST);
      try {
        const results = await this.ack(batch.map((q) => q.ack));
        batch.forEach((q, i) => q.resolve(results[i]?.status ?? 'lock-lost'));
      } catch (error) {
        batch.forEach((q) => q.reject(error));
      }
    }
  }

  /** Every third of the lock, renews the unsettled records whose lock has less than half of it left. */
  private startRenewing(): void {
    if (this.options.autoRenew === false || this.renewTimer) return;
    this.renewTimer = setInterval(() => {
      const soon = Date.now() + this.lockMs / 2;
      for (const record of this.unsettled.values()) {
        if (record.lockExpiresAt > soon) continue;
        record.lockExpiresAt = Date.now() + this.lockMs;
        void this.enqueue({ partition: record.partition, offset: record.offset, lockToken: record.lockToken, type: 'renew', lockMs: this.lockMs }).catch(() => undefined);
      }
    }, Math.max(250, this.lockMs / 3));
    this.renewTimer.unref?.();
  }
}

function keyOf(record: { partition: number; offset: number }): string {
  return `${record.partition}:${record.offset}`;
}
