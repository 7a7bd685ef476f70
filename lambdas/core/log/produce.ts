/**
 * Produce: assign each record a partition, append one batch per partition
 * touched (in parallel), and answer with every record's partition and
 * offset in request order. A 200 means every batch was durably written.
 */
import { InvalidRequestError, PayloadTooLargeError } from '../errors';
import { MAX_RECORD_BYTES } from '../limits';
import { countRecords } from '../metrics';
import type { PartitionLog } from './log';
import { assignPartitions, StickyPartitioner } from './partitioner';
import type { TopicService } from '../topics';
import { recordSize, type LogRecord, type Payload, type Topic } from '../types';

export interface ProduceRecord {
  key?: string | undefined;
  value: Payload;
  headers?: Record<string, string> | undefined;
  partition?: number | undefined;
  timestamp?: number | undefined;
}

export interface ProduceResult {
  results: Array<{ partition: number; offset: number }>;
}

export class ProduceService {
  constructor(
    private readonly topics: TopicService,
    private readonly log: PartitionLog,
    private readonly sticky = new StickyPartitioner(),
    private readonly now: () => number = Date.now,
  ) {}

  async produce(topicName: string, input: readonly ProduceRecord[]): Promise<ProduceResult> {
    const records = input.map((record, index) => this.toLogRecord(record, index));
    const topic = await this.topicCovering(topicName, input);
    const partitions = assignPartitions(input, topic.partitions, this.sticky);
    const byPartition = new Map<number, number[]>();
    partitions.forEach((partition, index) => {
      const indexes = byPartition.get(partition) ?? [];
      indexes.push(index);
      byPartition.set(partition, indexes);
    });
    const results = new Array<{ partition: number; offset: number }>(records.length);
    await Promise.all(
      [...byPartition].map(async ([partition, indexes]) => {
        const base = await this.log.append(
          topic,
          partition,
          indexes.map((i) => records[i] as LogRecord),
        );
        indexes.forEach((recordIndex, position) => {
          results[recordIndex] = { partition, offset: base + position };
        });
      }),
    );
    countRecords('Produced', records);
    return { results };
  }

  private toLogRecord(record: ProduceRecord, index: number): LogRecord {
    const logRecord: LogRecord = {
      key: record.key,
      value: record.value,
      headers: record.headers ?? {},
      timestamp: record.timestamp ?? this.now(),
    };
    const size = recordSize(logRecord);
    if (size > MAX_RECORD_BYTES) {
      throw new PayloadTooLargeError(
        `records[${index}] is ${size} bytes (key, value and headers); the limit is ${MAX_RECORD_BYTES}.`,
      );
    }
    return logRecord;
  }

  /** The topic; re-read once without the cache when a record names a partition the cached copy lacks. */
  private async topicCovering(name: string, records: readonly ProduceRecord[]): Promise<Topic> {
    const highest = Math.max(-1, ...records.map((r) => r.partition ?? -1));
    let topic = await this.topics.get(name);
    if (highest >= topic.partitions) topic = await this.topics.getFresh(name);
    if (highest >= topic.partitions) {
      const index = records.findIndex((r) => (r.partition ?? -1) >= topic.partitions);
      throw new InvalidRequestError(
        `must be from 0 to ${topic.partitions - 1}; topic '${name}' has ${topic.partitions} partitions`,
        `records[${index}].partition`,
      );
    }
    return topic;
  }
}
