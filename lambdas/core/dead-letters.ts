/**
 * Dead letters: records that failed `maxDeliveryAttempts` times. Writing one
 * and moving the group's committed offset past it is one transaction
 * (invariant 5). Redrive appends dead letters to a topic and removes them in
 * the same transaction as the log append, so a dead letter is never lost and
 * never redriven twice, however redrives race or crash.
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError } from './errors';
import { AtomicPartsFailedError, type PartitionLog } from './log/log';
import { assignPartitions, StickyPartitioner } from './log/partitioner';
import type { BlobStore, DeadLetterStore, GroupKey, GroupPartition, GroupStore, StoredDeadLetter } from './ports';
import { decodeBatch, encodeBatch } from './log/record-batch';
import type { TopicService } from './topics';
import type { LogRecord, PositionedRecord } from './types';

/** Dead-letter ids: partition and offset, padded so they sort, and the topic incarnation. */
export function deadLetterId(partition: number, offset: number, topicId: string): string {
  return `${String(partition).padStart(5, '0')}-${String(offset).padStart(16, '0')}-${topicId.slice(0, 8)}`;
}

/** The form of every id `deadLetterId` makes. */
export const DEAD_LETTER_ID_PATTERN = /^\d{5}-\d{16}-[0-9a-f]{1,8}$/;

/** A dead letter with its record decoded. */
export interface DeadLetterView extends Omit<StoredDeadLetter, 'blob' | 'blobKey'> {
  readonly record: LogRecord;
}

/** Records of one redrive transaction: at most 99 dead letters beside the log item. */
const REDRIVE_CHUNK = 99;
/** Dead letters read per round of a redrive of all of a group's letters. */
const REDRIVE_PAGE = 500;

export class DeadLetterWriter {
  constructor(
    private readonly groups: GroupStore,
    private readonly blobs: BlobStore,
    private readonly inlineMaxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes the record to the dead letters and commits past it, atomically; false if the state moved. */
  async write(
    key: GroupKey,
    state: GroupPartition,
    consumer: string,
    record: PositionedRecord,
    attempts: number,
    lastError: string | undefined,
  ): Promise<boolean> {
    const blob = encodeBatch([record]);
    let blobKey: string | undefined;
    if (blob.byteLength > this.inlineMaxBytes) {
      blobKey = `dead-letters/${key.topic}/${key.topicId}/${key.group}/${randomUUID()}`;
      await this.blobs.put(blobKey, blob);
    }
    const done = await this.groups.deadLetter(key, state, consumer, {
      topic: key.topic,
      topicId: key.topicId,
      id: deadLetterId(record.partition, record.offset, key.topicId),
      group: key.group,
      partition: record.partition,
      offset: record.offset,
      deliveryAttempts: attempts,
      lastError,
      deadLetteredAt: this.now(),
      ...(blobKey ? { blobKey } : { blob }),
    });
    if (!done && blobKey) await this.blobs.delete([blobKey]).catch(() => undefined);
    return done;
  }
}

export class DeadLetterService {
  private readonly sticky = new StickyPartitioner();

  constructor(
    private readonly topics: TopicService,
    private readonly log: PartitionLog,
    private readonly store: DeadLetterStore,
    private readonly blobs: BlobStore,
    private readonly now: () => number = Date.now,
  ) {}

  private async decode(letters: readonly StoredDeadLetter[]): Promise<DeadLetterView[]> {
    return Promise.all(
      letters.map(async ({ blob, blobKey, ...letter }) => {
        const bytes = blob ?? (await this.blobs.get(blobKey as string));
        return { ...letter, record: decodeBatch(bytes)[0] as LogRecord };
      }),
    );
  }

  async list(topic: string, group: string | undefined, limit: number, cursor: string | undefined) {
    const { topicId } = await this.topics.get(topic);
    const page = await this.store.list(topic, topicId, group, limit, cursor);
    return { deadLetters: await this.decode(page.deadLetters), cursor: page.cursor };
  }

  async delete(topic: string, group: string, id: string): Promise<void> {
    await this.topics.get(topic);
    // An id this service never issues names nothing (and never reaches the store).
    const deleted = DEAD_LETTER_ID_PATTERN.test(id) ? await this.store.delete(topic, group, id) : undefined;
    if (!deleted) throw new NotFoundError(`Dead letter '${id.slice(0, 60)}' of group '${group}' on topic '${topic}'`);
    if (deleted.blobKey) await this.blobs.delete([deleted.blobKey]).catch(() => undefined);
  }

  /** Appends the dead letters (the listed ids, or all of the group's) to `targetTopic` and removes them. */
  async redrive(topic: string, group: string, ids: readonly string[] | undefined, targetTopic: string | undefined): Promise<number> {
    const { topicId } = await this.topics.get(topic);
    const target = await this.topics.get(targetTopic ?? topic);
    let redriven = 0;
    for (;;) {
      const letters = await this.store.select(topic, topicId, group, ids, REDRIVE_PAGE);
      if (letters.length === 0) return redriven;
      const views = await this.decode(letters);
      const records = views.map((letter) => this.redriveRecord(topic, letter));
      const partitions = assignPartitions(records, target.partitions, this.sticky);
      const byPartition = new Map<number, number[]>();
      partitions.forEach((p, i) => byPartition.set(p, [...(byPartition.get(p) ?? []), i]));
      for (const [partition, indexes] of byPartition) {
        for (let i = 0; i < indexes.length; i += REDRIVE_CHUNK) {
          redriven += await this.appendChunk(target, partition, topic, group, indexes.slice(i, i + REDRIVE_CHUNK), views, records);
        }
      }
      const spilled = letters.flatMap((l) => (l.blobKey ? [l.blobKey] : []));
      if (spilled.length > 0) await this.blobs.delete(spilled).catch(() => undefined);
      if (ids !== undefined) return redriven;
    }
  }

  /** One atomic append; letters another redrive already took are dropped and the rest retried. */
  private async appendChunk(
    target: Awaited<ReturnType<TopicService['get']>>,
    partition: number,
    topic: string,
    group: string,
    indexes: number[],
    views: readonly DeadLetterView[],
    records: readonly LogRecord[],
  ): Promise<number> {
    let pending = indexes;
    while (pending.length > 0) {
      const parts = pending.map((i) => this.store.removalPart(topic, group, (views[i] as DeadLetterView).id));
      try {
        await this.log.append(target, partition, pending.map((i) => records[i] as LogRecord), parts);
        return pending.length;
      } catch (error) {
        if (!(error instanceof AtomicPartsFailedError)) throw error;
        const gone = new Set(error.failedParts);
        pending = pending.filter((i) => !gone.has((views[i] as DeadLetterView).id));
      }
    }
    return 0;
  }

  private redriveRecord(topic: string, letter: DeadLetterView): LogRecord & { partition?: number } {
    return {
      key: letter.record.key,
      value: letter.record.value,
      headers: {
        ...letter.record.headers,
        'x-dlq-topic': topic,
        'x-dlq-group': letter.group,
        'x-dlq-partition': String(letter.partition),
        'x-dlq-offset': String(letter.offset),
        'x-dlq-error': letter.lastError ?? '',
        'x-dlq-timestamp': String(letter.record.timestamp),
      },
      timestamp: this.now(),
    };
  }
}
