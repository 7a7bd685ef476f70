/**
 * A member of a consumer group, shaped after kafkajs: `run({ eachRecord })`
 * or `run({ eachBatch })` polls (long polling), hands each partition's
 * records to the callback in offset order, commits once the callback
 * succeeds, and nacks the record it failed on (API.md: the record comes
 * again on the next poll, and after `maxDeliveryAttempts` failures goes to
 * the dead letters; a nack also commits the offsets before it). `stop()`
 * leaves the group so its partitions are free for the others at once.
 *
 * The primitives (`poll`, `commit`, `nack`, `leave`) are public too, for
 * callers that drive the loop themselves (the CLI's `consume` does).
 */
import { NotLeaseHolderError } from './errors';
import { apiPath, type HttpTransport } from './http';
import type { RecordWaiter } from './live';
import type { CommittedOffset, DeliveredRecord, NackResult, PollRequest, PollResult } from './types';

export interface ConsumerOptions {
  group: string;
  topic: string;
  /** 1 to 200 characters of [a-zA-Z0-9._:@-]; default `consumer-<random>`. */
  consumerId?: string;
  /** Where a group without a committed offset starts (server default: earliest). */
  autoOffsetReset?: 'earliest' | 'latest';
  /** Records per poll, 1 to 1000 (server default 100). */
  maxRecords?: number;
  /** Long-poll wait per poll, 0 to 20000 ms (default 10000). */
  waitMs?: number;
  /**
   * Leases lapse this long after a poll (1000 to 300000, server default
   * 30000): a callback must finish within it, or the partition moves on
   * and this consumer's commit is refused (the records come again).
   */
  sessionTimeoutMs?: number;
  /**
   * Live notifications: while idle, `run()` waits on this (the client's
   * shared LiveConnection by default) and polls with `waitMs: 0` when it
   * says records may be there, instead of long polls; when it is
   * unavailable, `run()` long-polls as before. `false`: always long-poll.
   */
  live?: RecordWaiter | false;
  /**
   * With live notifications, poll at least this often even without one (a
   * lost notification then costs at most this delay). Default: no such
   * poll; the connection is renewed every 110 minutes (API Gateway's 2-hour
   * limit) and every renewal polls once, which bounds the delay already,
   * and each extra poll adds to an idle consumer's month (docs/PERFORMANCE.md).
   */
  liveMaxIdleMs?: number;
}

export interface EachRecordPayload {
  topic: string;
  partition: number;
  record: DeliveredRecord;
}

export interface Batch {
  topic: string;
  partition: number;
  /** In offset order. */
  records: DeliveredRecord[];
  firstOffset: number;
  lastOffset: number;
}

export interface EachBatchPayload {
  batch: Batch;
  /** Marks records up to and including this offset processed (kafkajs' resolveOffset). */
  resolveOffset(offset: number): void;
  /** False once stop() was called: a long batch may end early (commit what was resolved). */
  isRunning(): boolean;
}

export type RunConfig =
  | { eachRecord: (payload: EachRecordPayload) => Promise<void> | void }
  | {
      eachBatch: (payload: EachBatchPayload) => Promise<void> | void;
      /** Resolve the whole batch when the callback returns (default true, as kafkajs). */
      eachBatchAutoResolve?: boolean;
    };

/** A nack's error text is at most 4096 characters (API limit). */
const MAX_NACK_ERROR_LENGTH = 4096;
const DEFAULT_WAIT_MS = 10_000;

export class Consumer {
  readonly group: string;
  readonly topic: string;
  readonly consumerId: string;
  private readonly options: ConsumerOptions;
  private running: Promise<void> | undefined;
  private stopping = false;
  /**
   * A nacked record is due again: it comes back with no new append, so no
   * notification announces it. Until a poll returns records, polls do not
   * wait on the live connection (they long-poll with `waitMs`, and the
   * server holds a long poll until the redelivery is due).
   */
  private redeliveryPending = false;
  /**
   * The partitions the last poll held, and whether the one before held the
   * same. Partitions freed by a rebalance are taken only by polling, and no
   * append announces them: a consumer that holds none, or whose assignment
   * just changed, long-polls instead of waiting on the live connection.
   */
  private heldPartitions: string | undefined;
  private assignmentSettled = false;
  /** The live notifications this consumer has seen (its own, beside other consumers on the same connection). */
  private readonly liveCursor = { seen: 0 };
  private abort: AbortController | undefined;
  /** Polled at least once since the last leave: there may be leases to give back. */
  private joined = false;

  constructor(
    private readonly transport: HttpTransport,
    options: ConsumerOptions,
  ) {
    this.options = options;
    this.group = options.group;
    this.topic = options.topic;
    this.consumerId = options.consumerId ?? `consumer-${globalThis.crypto.randomUUID().slice(0, 8)}`;
  }

  /** One poll: renews this consumer's leases, may take free partitions, returns records from the committed offsets. */
  async poll(request: PollRequest = {}): Promise<PollResult> {
    const waitMs = request.waitMs ?? this.options.waitMs ?? DEFAULT_WAIT_MS;
    const result = await this.transport.request<PollResult>({
      method: 'POST',
      path: apiPath`/v1/groups/${this.group}/poll`,
      body: {
        topic: this.topic,
        consumerId: this.consumerId,
        maxRecords: request.maxRecords ?? this.options.maxRecords,
        waitMs,
        sessionTimeoutMs: this.options.sessionTimeoutMs,
        autoOffsetReset: this.options.autoOffsetReset,
      },
      // Safe to repeat: records are handed out again until committed.
      retry: 'idempotent',
      signal: request.signal,
      waitMs,
    });
    this.joined = true;
    return result;
  }

  /** Commits the next offset to read per partition (never moves one backwards). */
  async commit(offsets: Array<{ partition: number; offset: number }>): Promise<CommittedOffset[]> {
    const response = await this.transport.request<{ offsets: CommittedOffset[] }>({
      method: 'POST',
      path: apiPath`/v1/groups/${this.group}/commit`,
      body: { topic: this.topic, consumerId: this.consumerId, offsets },
      retry: 'idempotent',
    });
    return response.offsets;
  }

  /** Reports a record as failed: it is delivered again, or dead-lettered after maxDeliveryAttempts. */
  async nack(record: { partition: number; offset: number }, error?: string): Promise<NackResult> {
    return this.transport.request<NackResult>({
      method: 'POST',
      path: apiPath`/v1/groups/${this.group}/nack`,
      body: {
        topic: this.topic,
        consumerId: this.consumerId,
        partition: record.partition,
        offset: record.offset,
        error: error?.slice(0, MAX_NACK_ERROR_LENGTH),
      },
      // A repeat after a lost response would count a second failed attempt.
      retry: 'if-refused',
    });
  }

  /** Leaves the group: this consumer's leases are released at once. */
  async leave(): Promise<void> {
    await this.transport.request<void>({
      method: 'DELETE',
      path: apiPath`/v1/groups/${this.group}/consumers/${this.consumerId}`,
      query: { topic: this.topic },
      retry: 'idempotent',
    });
    this.joined = false;
  }

  /**
   * Polls and processes until stop() is called, then leaves the group.
   * Unlike kafkajs, the promise settles when the consumer stops (or rejects
   * with the error that stopped it), so `await consumer.run(…)` waits for
   * the whole run.
   */
  run(config: RunConfig): Promise<void> {
    if (this.running) throw new Error('This consumer is already running');
    this.stopping = false;
    this.abort = new AbortController();
    if (this.options.live) this.options.live.retain?.(this.topic);
    const loop = this.loop(config, this.abort.signal);
    this.running = loop.finally(async () => {
      this.abort = undefined;
      if (this.options.live) this.options.live.release?.(this.topic);
      await this.leaveQuietly();
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * Stops the run after the record in hand (commits what was processed) and
   * leaves the group. From inside a callback, call it without awaiting it:
   * the run ends when the callback returns.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort?.abort();
    if (this.running) {
      await this.running.catch(() => undefined); // the error is run()'s caller's to see
    } else {
      await this.leaveQuietly();
    }
  }

  /** kafkajs' name for stop(). */
  disconnect(): Promise<void> {
    return this.stop();
  }

  /**
   * The wait of the next poll: a long poll without live notifications; with
   * them, `0` while records flow, and while idle a wait on the socket first
   * (undefined: it is unavailable, so long-poll).
   */
  private async nextWaitMs(idle: boolean, signal: AbortSignal): Promise<number | undefined | 'aborted'> {
    const live = this.options.live;
    if (!live) return undefined;
    if (!idle) return 0;
    const outcome = await live.waitForRecords(this.topic, signal, this.options.liveMaxIdleMs, this.liveCursor);
    if (outcome === 'aborted') return 'aborted';
    return outcome === 'unavailable' ? undefined : 0;
  }

  private async loop(config: RunConfig, signal: AbortSignal): Promise<void> {
    let idle = true;
    while (!this.stopping) {
      let result: PollResult;
      try {
        const waitMs = this.redeliveryPending || !this.assignmentSettled ? undefined : await this.nextWaitMs(idle, signal);
        if (waitMs === 'aborted') continue;
        result = await this.poll({ signal, waitMs });
      } catch (error) {
        if (this.stopping) return; // the abort of stop()
        throw error;
      }
      idle = result.records.length === 0;
      if (!idle) this.redeliveryPending = false;
      const held = result.assignment.map((a) => a.partition).sort((x, y) => x - y).join(',');
      this.assignmentSettled = held !== '' && held === this.heldPartitions;
      this.heldPartitions = held;
      const commits: Array<{ partition: number; offset: number }> = [];
      for (const [partition, records] of byPartition(result.records)) {
        if (this.stopping) break;
        const next =
          'eachRecord' in config
            ? await this.processRecords(partition, records, config.eachRecord)
            : await this.processBatch(partition, records, config.eachBatch, config.eachBatchAutoResolve ?? true);
        if (next !== undefined) commits.push({ partition, offset: next });
      }
      if (commits.length > 0) await this.ignoringLostLeases(() => this.commit(commits));
    }
  }

  /** Resolves to the offset to commit, or undefined when nothing is (a nack commits those before the failed record). */
  private async processRecords(
    partition: number,
    records: DeliveredRecord[],
    eachRecord: (payload: EachRecordPayload) => Promise<void> | void,
  ): Promise<number | undefined> {
    let next: number | undefined;
    for (const record of records) {
      if (this.stopping) break;
      try {
        await eachRecord({ topic: this.topic, partition, record });
      } catch (error) {
        // The rest of the partition waits: it comes again on the next poll, after the failed record.
        this.redeliveryPending = true;
        await this.ignoringLostLeases(() => this.nack(record, errorText(error)));
        return undefined;
      }
      next = record.offset + 1;
    }
    return next;
  }

  private async processBatch(
    partition: number,
    records: DeliveredRecord[],
    eachBatch: (payload: EachBatchPayload) => Promise<void> | void,
    autoResolve: boolean,
  ): Promise<number | undefined> {
    let resolved: number | undefined;
    const batch: Batch = {
      topic: this.topic,
      partition,
      records,
      firstOffset: (records[0] as DeliveredRecord).offset,
      lastOffset: (records[records.length - 1] as DeliveredRecord).offset,
    };
    try {
      await eachBatch({
        batch,
        resolveOffset: (offset) => {
          resolved = Math.max(resolved ?? offset, offset);
        },
        isRunning: () => !this.stopping,
      });
    } catch (error) {
      const failed = records.find((r) => resolved === undefined || r.offset > resolved);
      if (failed) {
        this.redeliveryPending = true;
        await this.ignoringLostLeases(() => this.nack(failed, errorText(error)));
      }
      return undefined;
    }
    if (autoResolve) resolved = batch.lastOffset;
    return resolved === undefined ? undefined : resolved + 1;
  }

  /** A lease lost meanwhile (the callback outlived the session) fences this consumer: the new holder gets the records again. */
  private async ignoringLostLeases(action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (!(error instanceof NotLeaseHolderError)) throw error;
    }
  }

  private async leaveQuietly(): Promise<void> {
    if (!this.joined) return;
    try {
      await this.leave();
    } catch {
      // Leaving is a courtesy: leases lapse after sessionTimeoutMs anyway.
    }
  }
}

/** Records grouped per partition, each group in offset order. */
function byPartition(records: DeliveredRecord[]): Map<number, DeliveredRecord[]> {
  const groups = new Map<number, DeliveredRecord[]>();
  for (const record of records) {
    const list = groups.get(record.partition);
    if (list) list.push(record);
    else groups.set(record.partition, [record]);
  }
  for (const list of groups.values()) list.sort((a, b) => a.offset - b.offset);
  return groups;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
