/**
 * Produce: assign each record a partition, append one batch per partition
 * touched (in parallel), and answer with every record's partition and
 * offset in request order. A 200 means every batch was durably written.
 *
 * With an Idempotency-Key the produce is exact per partition (DESIGN.md
 * invariant 7): the request is claimed first (body hash and partition count,
 * so a retry assigns its records to the same partitions), and each
 * partition's batch is written in one transaction with a pointer to its
 * offsets. A retry after any failure (a 503 on one partition, a crash
 * between any two writes) reuses the offsets of the batches already written
 * and writes only the missing ones, so it answers what the first attempt
 * would have answered.
 */
import { createHash } from 'node:crypto';
import { IdempotencyKeyReusedError, InvalidRequestError, PayloadTooLargeError, TopicNotFoundError } from '../errors';
import { IDEMPOTENCY_TTL_SECONDS } from '../limits';
import { MAX_RECORD_BYTES } from '../limits';
import { countRecords } from '../metrics';
import type { PartitionLog } from './log';
import { assignPartitions, StickyPartitioner } from './partitioner';
import type { IdempotencyStore, OncePart } from '../ports';
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

/** A keyed produce: the request's Idempotency-Key and what must be identical in a repeat (the body). */
export interface IdempotentProduce {
  readonly idempotencyKey: string;
  readonly fingerprint: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

export class ProduceService {
  constructor(
    private readonly topics: TopicService,
    private readonly log: PartitionLog,
    private readonly sticky = new StickyPartitioner(),
    private readonly now: () => number = Date.now,
    /** Where keyed produces claim their key (required for `produce(…, idempotent)`). */
    private readonly claims?: IdempotencyStore,
  ) {}

  /**
   * Produces the records. An append that meets a topic delete's fence
   * re-reads the topic: gone → TOPIC_NOT_FOUND; created again → the request
   * runs once more on the new incarnation (nothing of it stays in the old one).
   */
  async produce(topicName: string, input: readonly ProduceRecord[], idempotent?: IdempotentProduce): Promise<ProduceResult> {
    const records = input.map((record, index) => this.toLogRecord(record, index));
    const topic = await this.topicCovering(topicName, input);
    try {
      return await this.produceTo(topic, input, records, idempotent);
    } catch (error) {
      if (!(error instanceof TopicNotFoundError)) throw error;
      const fresh = await this.topics.getFresh(topicName);
      if (fresh.topicId === topic.topicId) throw error;
      return this.produceTo(await this.topicCovering(topicName, input), input, records, idempotent);
    }
  }

  private async produceTo(
    topic: Topic,
    input: readonly ProduceRecord[],
    records: readonly LogRecord[],
    idempotent: IdempotentProduce | undefined,
  ): Promise<ProduceResult> {
    let assignOver = topic.partitions;
    let sticky = this.sticky;
    let once: ((partition: number) => OncePart) | undefined;
    if (idempotent) {
      if (!this.claims) throw new Error('ProduceService: no idempotency store for a keyed produce');
      const key = sha256(idempotent.idempotencyKey);
      const fingerprint = sha256(idempotent.fingerprint);
      const expiresAt = Math.floor(this.now() / 1000) + IDEMPOTENCY_TTL_SECONDS;
      const claim = await this.claims.claim(`tributary.request#${topic.name}#${topic.topicId}#${key}`, fingerprint, topic.partitions, expiresAt);
      if (!claim) throw new IdempotencyKeyReusedError();
      // A retry assigns over the partition count of the first attempt, and its unkeyed records go where the first's did.
      assignOver = claim.partitions;
      sticky = new StickyPartitioner(Buffer.from(key, 'base64url').readUInt32BE(0) & 0x7fffffff);
      once = (partition) => ({ id: `tributary.batch#${topic.name}#${topic.topicId}#${partition}#${key}`, fingerprint, expiresAt });
    }
    const partitions = assignPartitions(input, assignOver, sticky);
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
          [],
          once?.(partition),
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
