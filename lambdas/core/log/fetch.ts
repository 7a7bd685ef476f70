/**
 * Fetch: read one partition by offset, `earliest`, `latest` or
 * `fromTimestamp`, optionally long-polling until a record arrives. A long
 * poll waiting at the end of a partition only repeats the cheapest possible
 * check (is there a batch at this offset?) with growing pauses.
 */
import { OffsetOutOfRangeError, PartitionNotFoundError } from '../errors';
import { LONG_POLL_FIRST_PAUSE_MS, LONG_POLL_MAX_PAUSE_MS, MAX_FETCH_RESPONSE_BYTES } from '../limits';
import type { PartitionLog } from './log';
import { countRecords } from '../metrics';
import type { TopicService } from '../topics';
import type { PartitionState } from '../ports';
import type { PositionedRecord, Topic } from '../types';

export type FetchPosition =
  | { readonly kind: 'offset'; readonly offset: number }
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'timestamp'; readonly timestamp: number };

export interface FetchRequest {
  topic: string;
  partition: number;
  position: FetchPosition;
  limit: number;
  waitMs: number;
}

export interface FetchResult {
  records: PositionedRecord[];
  nextOffset: number;
  endOffset: number;
}

export class FetchService {
  constructor(
    private readonly topics: TopicService,
    private readonly log: PartitionLog,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async fetch(request: FetchRequest): Promise<FetchResult> {
    const deadline = this.now() + request.waitMs;
    const topic = await this.topicWithPartition(request.topic, request.partition);
    let state = await this.topics.partitionState(topic, request.partition);
    const offset = await this.resolve(topic, request.partition, request.position, state);
    let refreshed = false;
    let pause = LONG_POLL_FIRST_PAUSE_MS;
    for (;;) {
      if (offset < state.startOffset) {
        const endOffset = await this.log.endOffset(topic, request.partition, { consistent: true });
        throw new OffsetOutOfRangeError(offset, state.startOffset, endOffset);
      }
      const read = await this.log.read(
        topic,
        request.partition,
        offset,
        request.limit,
        MAX_FETCH_RESPONSE_BYTES,
        state.archivedOffset,
        { wantEndOffset: true },
      );
      if (read.records.length === 0 && (read.missing || read.endOffset === undefined) && !refreshed) {
        // The cached marks may be behind the archiver or retention: look again, once, without the cache.
        state = await this.topics.partitionState(topic, request.partition, true);
        refreshed = true;
        continue;
      }
      if (read.records.length > 0 || this.now() >= deadline) {
        const endOffset = read.endOffset ?? (await this.log.endOffset(topic, request.partition));
        if (read.records.length === 0) await this.assertInRange(topic, request.partition, offset, state.startOffset, endOffset);
        countRecords('Polled', read.records);
        return { records: read.records, nextOffset: read.nextOffset, endOffset: Math.max(endOffset, read.nextOffset) };
      }
      if (read.endOffset !== undefined) {
        await this.assertInRange(topic, request.partition, offset, state.startOffset, read.endOffset);
      }
      // Wait at the tail: only the cheap check until a batch appears at `offset`.
      while (this.now() < deadline) {
        await this.sleep(Math.min(pause, deadline - this.now()));
        pause = Math.min(pause * 2, LONG_POLL_MAX_PAUSE_MS);
        if (await this.log.batchStartsAt(topic, request.partition, offset)) break;
      }
    }
  }

  /** A read past the end is an error only if a strongly consistent look agrees. */
  private async assertInRange(
    topic: Topic,
    partition: number,
    offset: number,
    startOffset: number,
    endOffset: number,
  ): Promise<void> {
    if (offset <= endOffset) return;
    const confirmedEnd = await this.log.endOffset(topic, partition, { consistent: true });
    if (offset > confirmedEnd) throw new OffsetOutOfRangeError(offset, startOffset, confirmedEnd);
  }

  private async topicWithPartition(name: string, partition: number): Promise<Topic> {
    let topic = await this.topics.get(name);
    if (partition >= topic.partitions) topic = await this.topics.getFresh(name);
    if (partition >= topic.partitions) throw new PartitionNotFoundError(name, partition, topic.partitions);
    return topic;
  }

  private async resolve(topic: Topic, partition: number, position: FetchPosition, state: PartitionState): Promise<number> {
    switch (position.kind) {
      case 'offset':
        return position.offset;
      case 'earliest':
        return state.startOffset;
      case 'latest':
        return this.log.endOffset(topic, partition, { consistent: true });
      case 'timestamp':
        return this.log.offsetForTimestamp(topic, partition, position.timestamp, state.startOffset, state.archivedOffset);
    }
  }
}
