/** The JSON shapes of responses, as API.md defines them. */
import type { TopicDescription } from '../core/topics';
import type { PositionedRecord } from '../core/types';

export interface RecordJson {
  partition: number;
  offset: number;
  key: string | null;
  value?: unknown;
  valueBase64?: string;
  headers: Record<string, string>;
  timestamp: number;
}

export function presentRecord(record: PositionedRecord): RecordJson {
  const out: RecordJson = {
    partition: record.partition,
    offset: record.offset,
    key: record.key ?? null,
    headers: Object.fromEntries(Object.entries(record.headers)),
    timestamp: record.timestamp,
  };
  if ('json' in record.value) out.value = JSON.parse(record.value.json);
  else out.valueBase64 = Buffer.from(record.value.binary).toString('base64');
  return out;
}

export function presentTopic(topic: TopicDescription) {
  return {
    name: topic.name,
    topicId: topic.topicId,
    createdAt: topic.createdAt,
    partitions: topic.partitions,
    config: topic.config,
  };
}
