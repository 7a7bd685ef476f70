/**
 * DynamoDB stream records of the log table → `LogAppend`s. The same wire
 * shape comes from a Lambda event source mapping (AWS) and from the
 * DynamoDB Streams API (the local stack's poller): `eventName` and
 * `dynamodb.NewImage` in DynamoDB's attribute-value JSON. Only INSERTs are
 * appends (a batch item is written once; later MODIFY/REMOVE events are the
 * archiver's and retention's). The stream key is `{topic}#{topicId}#{partition}`.
 */
import type { LogAppend } from '../core/log/appends';

/** An attribute value as the stream carries it (only the kinds the log item uses). */
interface StreamAttribute {
  S?: string;
  N?: string;
}

/** The part of a stream record read here (structurally both aws-lambda's and the Streams API's). */
export interface LogStreamRecord {
  eventName?: string;
  dynamodb?: {
    NewImage?: Record<string, StreamAttribute | unknown>;
    ApproximateCreationDateTime?: number | Date;
  };
}

/** Splits a stream key; undefined when it does not have the log's form. */
export function parseStreamKey(stream: string): { topic: string; topicId: string; partition: number } | undefined {
  const last = stream.lastIndexOf('#');
  const middle = stream.lastIndexOf('#', last - 1);
  if (middle <= 0) return undefined;
  const partition = Number(stream.slice(last + 1));
  if (!Number.isInteger(partition) || partition < 0) return undefined;
  return { topic: stream.slice(0, middle), topicId: stream.slice(middle + 1, last), partition };
}

function attribute(image: Record<string, unknown>, name: string): StreamAttribute | undefined {
  const value = image[name];
  return typeof value === 'object' && value !== null ? (value as StreamAttribute) : undefined;
}

/** One stream record as an append, or undefined when it is not one (not an INSERT, or not a log item). */
export function toLogAppend(record: LogStreamRecord): LogAppend | undefined {
  if (record.eventName !== 'INSERT') return undefined;
  const image = record.dynamodb?.NewImage;
  if (!image) return undefined;
  const stream = attribute(image, 'stream')?.S;
  const key = stream === undefined ? undefined : parseStreamKey(stream);
  const baseOffset = Number(attribute(image, 'offset')?.N);
  const count = Number(attribute(image, 'n')?.N);
  if (!key || !Number.isInteger(baseOffset) || !Number.isInteger(count) || count <= 0) return undefined;
  const at = Number(attribute(image, 'at')?.N);
  return { ...key, baseOffset, count, appendedAt: Number.isFinite(at) ? at : Date.now() };
}

/** The appends among stream records, in stream order. */
export function toLogAppends(records: readonly LogStreamRecord[]): LogAppend[] {
  return records.flatMap((record) => {
    const append = toLogAppend(record);
    return append ? [append] : [];
  });
}
