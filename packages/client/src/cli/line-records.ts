/** `tributary produce` input: one record per line, its value the line's JSON if it parses, else the line as a string. */
import type { ProducerRecord } from '..';

export interface LineRecordOptions {
  key?: string;
  partition?: number;
  headers?: Record<string, string>;
}

/** The record for one input line, or undefined for an empty line (skipped). */
export function recordFromLine(line: string, options: LineRecordOptions = {}): ProducerRecord | undefined {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  const record: ProducerRecord = { value };
  if (options.key !== undefined) record.key = options.key;
  if (options.partition !== undefined) record.partition = options.partition;
  if (options.headers && Object.keys(options.headers).length > 0) record.headers = options.headers;
  return record;
}
