/**
 * How commands print: tables and sentences for people, one JSON document
 * with `--json`, JSON Lines for record streams. Data goes to stdout,
 * progress and diagnostics to stderr.
 */
import Table from 'cli-table3';
import type { TributaryRecord } from '..';

export interface OutputOptions {
  json?: boolean;
}

/** Writes text to stdout and resolves once it is handed to the OS (so a commit can follow what was printed). */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/** One JSON document: indented on a terminal, one line in a pipe. */
export function printJson(value: unknown): Promise<void> {
  return writeOut(`${JSON.stringify(value, null, process.stdout.isTTY ? 2 : undefined)}\n`);
}

export function printLine(text: string): Promise<void> {
  return writeOut(`${text}\n`);
}

export type Cell = string | number | null | undefined;

/** A plain table (no colours: it is also read in logs and pipes). */
export function printTable(head: string[], rows: Cell[][], align?: Array<'left' | 'right'>): Promise<void> {
  const table = new Table({
    head,
    style: { head: [], border: [], compact: true },
    colAligns: align ?? head.map(() => 'left'),
  });
  for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '-' : cell)));
  return writeOut(`${table.toString()}\n`);
}

/** A record as one JSON line: partition, offset, key, value (or valueBase64), headers, timestamp. */
export function recordLine(record: TributaryRecord): string {
  const line: Record<string, unknown> = { partition: record.partition, offset: record.offset, key: record.key };
  if (record.valueBase64 !== undefined) line.valueBase64 = record.valueBase64;
  else line.value = record.value;
  line.headers = record.headers;
  line.timestamp = record.timestamp;
  return JSON.stringify(line);
}

export function isoTime(ms: number | null | undefined): string | undefined {
  return typeof ms === 'number' ? new Date(ms).toISOString() : undefined;
}

/** Progress and summaries for a person watching: only when stderr is a terminal. */
export function note(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`${text}\n`);
}
