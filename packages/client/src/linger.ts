/**
 * Linger batching, as Kafka's producer does it (`linger.ms`): `send()` calls
 * for one topic made within `lingerMs` of each other share produce requests
 * of up to 500 records / 6 MB, because API Gateway bills a request the same
 * whatever it carries.
 *
 * Per topic there is a queue of callers and at most one request in flight, so
 * records keep the order in which `send()` was called (records of one
 * partition keep their order, as without linger). The first `send()` on an
 * idle topic starts the linger timer; a queue holding a full request is sent
 * at once; records queued while a request is in flight go out as soon as it
 * returns.
 *
 * Each caller resolves with its own positions and fails alone:
 *  - a 400/413 naming `records[i]` of a request shared by several callers
 *    fails nothing yet: the other callers' records are sent again together
 *    (a new request, a new Idempotency-Key: nothing of the refused request
 *    was stored), then the named caller's records alone, so its error names
 *    its own record;
 *  - a 400/413 that names no record is retried once per caller, alone;
 *  - any other error (404 topic, 403, a connection error after the
 *    transport's retries) is the same for every caller and fails them all.
 * A caller's abort signal rejects its `send()` at once and drops its records
 * not yet sent; records already in a request in flight may still be stored.
 */
import { TributaryError } from './errors';
import type { RecordPosition } from './types';

/** The JSON of the produce body around its records: `{"records":[` … `]}`. */
export const BODY_OVERHEAD_BYTES = '{"records":[]}'.length;

/** Sends one produce request (with its own Idempotency-Key) and resolves to its results. */
export type SendBatch = (topic: string, records: readonly unknown[]) => Promise<RecordPosition[]>;

export interface LingerLimits {
  lingerMs: number;
  maxRecords: number;
  maxBytes: number;
}

/** One `send()` call waiting for (the rest of) its records to be stored. */
interface Caller {
  readonly wire: readonly unknown[];
  readonly sizes: readonly number[];
  /** Index of its first record not yet taken into a request. */
  next: number;
  readonly results: RecordPosition[];
  done: boolean;
  resolve(results: RecordPosition[]): void;
  reject(error: unknown): void;
}

/** A caller's records [start, end) within one request. */
interface Segment {
  caller: Caller;
  start: number;
  end: number;
}

interface TopicQueue {
  callers: Caller[];
  timer: ReturnType<typeof setTimeout> | undefined;
  sending: boolean;
}

export class LingerBatcher {
  private readonly queues = new Map<string, TopicQueue>();

  constructor(
    private readonly limits: LingerLimits,
    private readonly sendBatch: SendBatch,
  ) {}

  /** Queues one caller's records (already in wire form, with their JSON sizes); resolves to their positions in order. */
  add(topic: string, wire: readonly unknown[], sizes: readonly number[], signal?: AbortSignal): Promise<RecordPosition[]> {
    if (wire.length === 0) return Promise.resolve([]);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<RecordPosition[]>((resolve, reject) => {
      const onAbort = () => finish(caller, signal?.reason, true);
      const caller: Caller = {
        wire,
        sizes,
        next: 0,
        results: [],
        done: false,
        resolve: (results) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(results);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const queue = this.queueOf(topic);
      queue.callers.push(caller);
      if (queue.sending) return; // the loop in flight takes it next
      if (this.holdsFullRequest(queue)) {
        void this.drain(topic, queue);
      } else if (queue.timer === undefined) {
        queue.timer = setTimeout(() => void this.drain(topic, queue), this.limits.lingerMs);
      }
    });
  }

  private queueOf(topic: string): TopicQueue {
    let queue = this.queues.get(topic);
    if (!queue) {
      queue = { callers: [], timer: undefined, sending: false };
      this.queues.set(topic, queue);
    }
    return queue;
  }

  private holdsFullRequest(queue: TopicQueue): boolean {
    let records = 0;
    let bytes = BODY_OVERHEAD_BYTES;
    for (const caller of queue.callers) {
      if (caller.done) continue;
      for (let i = caller.next; i < caller.wire.length; i++) {
        records += 1;
        bytes += (caller.sizes[i] as number) + 1;
        if (records >= this.limits.maxRecords || bytes >= this.limits.maxBytes) return true;
      }
    }
    return false;
  }

  /** Sends requests one after another until the topic's queue is empty. */
  private async drain(topic: string, queue: TopicQueue): Promise<void> {
    if (queue.timer !== undefined) clearTimeout(queue.timer);
    queue.timer = undefined;
    if (queue.sending) return;
    queue.sending = true;
    try {
      for (let segments = this.take(queue); segments.length > 0; segments = this.take(queue)) {
        await this.send(topic, segments);
      }
    } finally {
      queue.sending = false;
      if (queue.callers.length === 0) this.queues.delete(topic);
    }
  }

  /** The next request's records: whole callers in order, the last one possibly split, within the limits. */
  private take(queue: TopicQueue): Segment[] {
    queue.callers = queue.callers.filter((caller) => !caller.done && caller.next < caller.wire.length);
    const segments: Segment[] = [];
    let records = 0;
    let bytes = BODY_OVERHEAD_BYTES;
    for (const caller of queue.callers) {
      const start = caller.next;
      let end = start;
      while (end < caller.wire.length) {
        const added = (caller.sizes[end] as number) + (records > 0 ? 1 : 0);
        // A record too large for any request still goes alone (the server answers 413).
        if (records > 0 && (records >= this.limits.maxRecords || bytes + added > this.limits.maxBytes)) break;
        bytes += added;
        records += 1;
        end += 1;
      }
      if (end > start) {
        caller.next = end;
        segments.push({ caller, start, end });
      }
      if (end < caller.wire.length) break; // the request is full
    }
    return segments;
  }

  private async send(topic: string, segments: Segment[]): Promise<void> {
    const live = segments.filter((segment) => !segment.caller.done);
    if (live.length === 0) return;
    let results: RecordPosition[];
    try {
      results = await this.sendBatch(topic, live.flatMap(({ caller, start, end }) => caller.wire.slice(start, end)));
    } catch (error) {
      await this.recover(topic, live, error);
      return;
    }
    let at = 0;
    for (const { caller, start, end } of live) {
      caller.results.push(...results.slice(at, at + end - start));
      at += end - start;
      if (end === caller.wire.length) finish(caller, undefined, false);
    }
  }

  /** A failed request shared by several callers: find the one whose record was refused (see the module comment). */
  private async recover(topic: string, segments: Segment[], error: unknown): Promise<void> {
    if (segments.length > 1 && isRecordRefusal(error)) {
      const culprit = culpritOf(error, segments);
      if (culprit) {
        await this.send(topic, segments.filter((segment) => segment !== culprit));
        await this.send(topic, [culprit]);
      } else {
        for (const segment of segments) await this.send(topic, [segment]);
      }
      return;
    }
    for (const { caller } of segments) finish(caller, error, true);
  }
}

function finish(caller: Caller, error: unknown, failed: boolean): void {
  if (caller.done) return;
  caller.done = true;
  if (failed) caller.reject(error);
  else caller.resolve(caller.results);
}

/** A 400 or 413: the request was refused for its content, so nothing of it was stored. */
function isRecordRefusal(error: unknown): error is TributaryError {
  return error instanceof TributaryError && (error.status === 400 || error.status === 413);
}

/** The segment holding `records[i]` when the error's message starts with that field (API.md's 400 naming the field). */
function culpritOf(error: TributaryError, segments: readonly Segment[]): Segment | undefined {
  const match = /^records\[(\d+)\]/.exec(error.message);
  if (!match) return undefined;
  let index = Number(match[1]);
  for (const segment of segments) {
    const count = segment.end - segment.start;
    if (index < count) return segment;
    index -= count;
  }
  return undefined;
}
