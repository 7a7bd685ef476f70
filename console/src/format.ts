/** Turning API values into text a person reads. */
import type { TributaryRecord } from '../../packages/client/src/types';

/** `2026-12-04 15:31:51.123` in local time. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return n.toLocaleString('en-US');
}

/** 604800000 → `7 d`; -1 → `unlimited`. */
export function formatDuration(ms: number): string {
  if (ms < 0) return 'unlimited';
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  return `${ms} ms`;
}

export function formatBytes(n: number): string {
  if (n < 0) return 'unlimited';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Bytes of a base64 string. */
export function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A hex dump: offset, 16 bytes in hex, and their printable ASCII. */
export function hexDump(bytes: Uint8Array, max = 4096): string {
  const lines: string[] = [];
  const n = Math.min(bytes.length, max);
  for (let at = 0; at < n; at += 16) {
    const row = bytes.subarray(at, Math.min(at + 16, n));
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${text}`);
  }
  if (bytes.length > max) lines.push(`… ${bytes.length - max} more bytes`);
  return lines.join('\n');
}

/** The record's value as shown: pretty JSON, or a hex dump for binary values. */
export function valueText(record: Pick<TributaryRecord, 'value' | 'valueBase64'>): { kind: 'json' | 'binary'; text: string } {
  if (record.valueBase64 !== undefined) return { kind: 'binary', text: hexDump(base64Bytes(record.valueBase64)) };
  return { kind: 'json', text: JSON.stringify(record.value, null, 2) ?? 'null' };
}

/** One line of the value, for the list. */
export function valuePreview(record: Pick<TributaryRecord, 'value' | 'valueBase64'>, max = 120): string {
  const text =
    record.valueBase64 !== undefined
      ? `binary, ${base64Bytes(record.valueBase64).length} bytes`
      : (JSON.stringify(record.value) ?? 'null');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Does the record match a search: in its key, a header name or value, or its value's text. */
export function recordMatches(record: TributaryRecord, query: string, field: 'any' | 'key' | 'header' | 'value'): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  const has = (s: string | null | undefined) => (s ?? '').toLowerCase().includes(q);
  const inKey = () => has(record.key);
  const inHeaders = () => Object.entries(record.headers).some(([k, v]) => has(k) || has(v) || has(`${k}=${v}`));
  const inValue = () => (record.valueBase64 !== undefined ? has(atob(record.valueBase64)) : has(JSON.stringify(record.value)));
  if (field === 'key') return inKey();
  if (field === 'header') return inHeaders();
  if (field === 'value') return inValue();
  return inKey() || inHeaders() || inValue();
}
