/**
 * The record-batch codec: how one produce request's records for one
 * partition are packed into a single log item (or S3 object), as Kafka packs
 * a record batch. Layout before compression (all integers are unsigned
 * LEB128 varints; zigzag for the signed timestamp delta):
 *
 *   version(=1) count baseTimestamp
 *   count × [ zigzag(timestamp - baseTimestamp)
 *             hasKey (0/1) [keyLength keyBytes]
 *             valueKind (0 = JSON text, 1 = binary) valueLength valueBytes
 *             headerCount × [nameLength name valueLength value] ]
 *
 * The stored blob is one codec byte (0 = none, 1 = brotli) followed by the
 * (compressed) body. docs/STORAGE.md describes it for operators.
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib';
import type { LogRecord } from '../types';

const VERSION = 1;
const CODEC_NONE = 0;
const CODEC_BROTLI = 1;
/** Brotli quality 5: most of the ratio of higher levels at a fraction of the CPU. */
const BROTLI_QUALITY = 5;

export class CorruptBatchError extends Error {}

class Writer {
  private chunks: Buffer[] = [];
  private scratch = Buffer.alloc(10);

  varint(value: number): void {
    let n = value;
    let i = 0;
    while (n >= 0x80) {
      this.scratch[i++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.scratch[i++] = n;
    this.chunks.push(Buffer.from(this.scratch.subarray(0, i)));
  }

  zigzag(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  bytes(data: Uint8Array): void {
    this.varint(data.byteLength);
    this.chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  string(value: string): void {
    this.bytes(Buffer.from(value, 'utf8'));
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  varint(): number {
    let result = 0;
    let multiplier = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new CorruptBatchError('truncated varint');
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 0x80;
      if (multiplier > 2 ** 56) throw new CorruptBatchError('varint too long');
    }
  }

  zigzag(): number {
    const z = this.varint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  bytes(): Buffer {
    const length = this.varint();
    if (this.pos + length > this.buf.length) throw new CorruptBatchError('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  string(): string {
    return this.bytes().toString('utf8');
  }
}

/** Serializes and compresses a batch of records. */
export function encodeBatch(records: readonly LogRecord[]): Buffer {
  if (records.length === 0) throw new RangeError('a batch holds at least one record');
  return compress(encodeRecords(records, records[0]!.timestamp));
}

function encodeRecords(records: readonly LogRecord[], base: number): Buffer {
  const w = new Writer();
  w.varint(VERSION);
  w.varint(records.length);
  w.varint(base);
  for (const record of records) {
    w.zigzag(record.timestamp - base);
    if (record.key === undefined) {
      w.varint(0);
    } else {
      w.varint(1);
      w.string(record.key);
    }
    if ('json' in record.value) {
      w.varint(0);
      w.string(record.value.json);
    } else {
      w.varint(1);
      w.bytes(record.value.binary);
    }
    const headers = Object.entries(record.headers);
    w.varint(headers.length);
    for (const [name, value] of headers) {
      w.string(name);
      w.string(value);
    }
  }
  return w.finish();
}

function compress(body: Buffer): Buffer {
  const compressed = brotliCompressSync(body, {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  if (compressed.length < body.length) return Buffer.concat([Buffer.from([CODEC_BROTLI]), compressed]);
  return Buffer.concat([Buffer.from([CODEC_NONE]), body]);
}

/** Decompresses and parses a batch blob back into its records, in order. */
export function decodeBatch(blob: Uint8Array): LogRecord[] {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.length < 1) throw new CorruptBatchError('empty batch');
  const codec = buf[0];
  let body: Buffer;
  if (codec === CODEC_NONE) body = buf.subarray(1);
  else if (codec === CODEC_BROTLI) body = brotliDecompressSync(buf.subarray(1));
  else throw new CorruptBatchError(`unknown codec ${codec}`);
  const r = new Reader(body);
  const version = r.varint();
  if (version !== VERSION) throw new CorruptBatchError(`unknown batch version ${version}`);
  const count = r.varint();
  const base = r.varint();
  const records: LogRecord[] = [];
  for (let i = 0; i < count; i++) {
    const timestamp = base + r.zigzag();
    const key = r.varint() === 1 ? r.string() : undefined;
    const kind = r.varint();
    const value = kind === 0 ? { json: r.string() } : { binary: Buffer.from(r.bytes()) };
    const headerCount = r.varint();
    const headers: Record<string, string> = Object.create(null) as Record<string, string>;
    for (let h = 0; h < headerCount; h++) {
      const name = r.string();
      headers[name] = r.string();
    }
    records.push({ key, value, headers, timestamp });
  }
  return records;
}
