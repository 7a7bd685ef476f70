/**
 * The facade's produce, fetch, offsets and topic listing, translated onto
 * Tributary's engine (ProduceService, FetchService, TopicService). No HTTP
 * here: the handler parses and authorizes, this module translates.
 */
import type { FetchPosition, FetchService } from '../core/log/fetch';
import { MAX_FETCH_LIMIT } from '../core/limits';
import type { ProduceService } from '../core/log/produce';
import type { TopicService } from '../core/topics';
import { toMessage, toProduceRecord, withinResponseBudget, type UpstashMessage, type UpstashProduceResult } from './messages';
import type { OffsetPosition, UpstashFetchRequest, UpstashProduceRequest } from './schemas';

/** Records per fetch call, shared by the partitions asked for. */
const MAX_RECORDS_PER_FETCH = 500;

export class UpstashRecords {
  constructor(
    private readonly producer: ProduceService,
    private readonly fetcher: FetchService,
    private readonly topics: TopicService,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Appends the messages, one produce per topic (in parallel), and answers
   * per message in request order. Messages of one topic and partition get
   * consecutive offsets in request order, as on /v1.
   */
  async produce(messages: readonly UpstashProduceRequest[]): Promise<UpstashProduceResult[]> {
    const now = this.now();
    const records = messages.map((m) => toProduceRecord(m, now));
    const byTopic = new Map<string, number[]>();
    messages.forEach((m, i) => byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), i]));
    const results = new Array<UpstashProduceResult>(messages.length);
    await Promise.all(
      [...byTopic].map(async ([topic, indexes]) => {
        const produced = await this.producer.produce(
          topic,
          indexes.map((i) => records[i]!),
        );
        indexes.forEach((messageIndex, k) => {
          const { partition, offset } = produced.results[k]!;
          results[messageIndex] = { topic, partition, offset, timestamp: records[messageIndex]!.timestamp };
        });
      }),
    );
    return results;
  }

  /** Reads each partition from its offset, side by side, each waiting up to `waitMs` for a first record. */
  async fetch(request: UpstashFetchRequest): Promise<UpstashMessage[]> {
    const limit = Math.min(MAX_FETCH_LIMIT, Math.max(1, Math.floor(MAX_RECORDS_PER_FETCH / request.partitions.length)));
    const reads = await Promise.all(
      request.partitions.map(async ({ topic, partition, offset }) => {
        const result = await this.fetcher.fetch({
          topic,
          partition,
          position: { kind: 'offset', offset },
          limit,
          waitMs: request.waitMs,
        });
        return result.records.map((record) => ({ topic, record }));
      }),
    );
    return withinResponseBudget(reads.flat()).map(({ topic, record }) => toMessage(topic, record));
  }

  /**
   * Per partition: the start offset (`earliest`), the end offset (`latest`),
   * or the first offset whose record has a timestamp at or after the given
   * one (the end offset when there is none yet).
   */
  async offsets(position: OffsetPosition, partitions: ReadonlyArray<{ topic: string; partition: number }>) {
    const at: FetchPosition = position;
    return Promise.all(
      partitions.map(async ({ topic, partition }) => {
        const read = await this.fetcher.fetch({ topic, partition, position: at, limit: 1, waitMs: 0 });
        return { topic, partition, offset: read.records[0]?.offset ?? read.nextOffset };
      }),
    );
  }

  /** `{"<topic>": partitions}` for every topic. */
  async partitionCounts(): Promise<Record<string, number>> {
    const topics = await this.topics.list();
    // fromEntries makes own properties, so a topic named `__proto__` is data, not a prototype.
    return Object.fromEntries(topics.map((t) => [t.name, t.partitions]));
  }
}
