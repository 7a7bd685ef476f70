/**
 * Produces records in batches that fit the API's limits (500 records and
 * 6,000,000 bytes of JSON per request). Every batch carries its own
 * Idempotency-Key, reused across retries, so a batch that is retried after a
 * lost response is stored once. With `lingerMs` (default 5), `send()` calls
 * to one topic within that time share requests (./linger.ts).
 */
import { bytesToBase64 } from './base64';
import { apiPath, type HttpTransport } from './http';
import { BODY_OVERHEAD_BYTES, LingerBatcher } from './linger';
import type { ProducerRecord, RecordPosition } from './types';

/** API.md: at most 500 records and 6 MB (the JSON body as received) per produce request. */
export const MAX_RECORDS_PER_REQUEST = 500;
export const MAX_REQUEST_BYTES = 6_000_000;

export interface ProducerOptions {
  /** Records per request, 1 to 500 (default 500). */
  maxBatchRecords?: number;
  /** JSON bytes per request body, up to 6,000,000 (default). */
  maxBatchBytes?: number;
  /** Makes a fresh Idempotency-Key per batch (default: a random UUID). */
  idempotencyKey?: () => string;
  /**
   * How long (ms) a `send()` waits for other `send()` calls to the same topic
   * to share its requests, as Kafka's `linger.ms` (default 5; 0 sends each
   * call's records at once, in requests of its own). Each call still resolves
   * with its own positions and fails alone.
   */
  lingerMs?: number;
}

/** Default of `ProducerOptions.lingerMs`. */
export const DEFAULT_LINGER_MS = 5;


export interface SendRequest {
  topic: string;
  records: ProducerRecord[];
  signal?: AbortSignal;
}

export class Producer {
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly newKey: () => string;
  private readonly batcher: LingerBatcher | undefined;

  constructor(
    private readonly transport: HttpTransport,
    options: ProducerOptions = {},
  ) {
    this.maxRecords = clamp(options.maxBatchRecords ?? MAX_RECORDS_PER_REQUEST, 1, MAX_RECORDS_PER_REQUEST, 'maxBatchRecords');
    this.maxBytes = clamp(options.maxBatchBytes ?? MAX_REQUEST_BYTES, BODY_OVERHEAD_BYTES + 1, MAX_REQUEST_BYTES, 'maxBatchBytes');
    this.newKey = options.idempotencyKey ?? (() => globalThis.crypto.randomUUID());
    const lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    if (!Number.isFinite(lingerMs) || lingerMs < 0) throw new RangeError('lingerMs must be a number from 0');
    this.batcher =
      lingerMs > 0
        ? new LingerBatcher({ lingerMs, maxRecords: this.maxRecords, maxBytes: this.maxBytes }, (topic, records) =>
            this.post(topic, records),
          )
        : undefined;
  }

  /**
   * Sends the records and resolves to where each was stored, in the order
   * given. Batches go one after another, so records for one partition keep
   * their order (also across `send()` calls to one topic, in call order). If
   * a batch fails, the batches before it are stored. With linger, the
   * records may share requests with other calls' records; an error of this
   * call's records fails this call only.
   */
  async send(request: SendRequest): Promise<RecordPosition[]> {
    const wire = request.records.map(toWireRecord);
    const sizes = wire.map((record) => utf8Length(JSON.stringify(record)));
    if (this.batcher) return this.batcher.add(request.topic, wire, sizes, request.signal);
    const results: RecordPosition[] = [];
    for (const [start, end] of planBatches(sizes, this.maxRecords, this.maxBytes)) {
      results.push(...(await this.post(request.topic, wire.slice(start, end), request.signal)));
    }
    return results;
  }

  /** One produce request with a fresh Idempotency-Key (reused by the transport's retries). */
  private async post(topic: string, records: readonly unknown[], signal?: AbortSignal): Promise<RecordPosition[]> {
    const response = await this.transport.request<{ results: RecordPosition[] }>({
      method: 'POST',
      path: apiPath`/v1/topics/${topic}/records`,
      headers: { 'Idempotency-Key': this.newKey() },
      body: { records },
      retry: 'idempotent',
      signal,
    });
    return response.results;
  }
}

/**
 * Splits records of the given JSON sizes into [start, end) ranges of at most
 * `maxRecords` records whose request body stays within `maxBytes`. A record
 * too large for any batch still goes alone (the server then answers 413).
 */
export function planBatches(sizes: readonly number[], maxRecords: number, maxBytes: number): Array<[number, number]> {
  const batches: Array<[number, number]> = [];
  let start = 0;
  let bytes = BODY_OVERHEAD_BYTES;
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i] as number;
    const added = size + (i > start ? 1 : 0); // a comma between records
    if (i > start && (i - start >= maxRecords || bytes + added > maxBytes)) {
      batches.push([start, i]);
      start = i;
      bytes = BODY_OVERHEAD_BYTES + size;
    } else {
      bytes += added;
    }
  }
  if (start < sizes.length) batches.push([start, sizes.length]);
  return batches;
}

/** The record as API.md's body wants it: bytes become `valueBase64`. */
export function toWireRecord(record: ProducerRecord): Record<string, unknown> {
  const { value, ...rest } = record;
  if (value instanceof Uint8Array) return { ...rest, valueBase64: bytesToBase64(value) };
  return value === undefined ? { ...rest } : { ...rest, value };
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4; // a surrogate pair is one 4-byte character
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function clamp(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}`);
  return value;
}
