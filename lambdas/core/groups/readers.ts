/**
 * The consumer groups reading a topic, as a `TopicReaderSource`
 * (`GET /v1/topics/{topic}/groups`). The groups come from the per-topic
 * index the group store keeps (one item per group, written at its first
 * poll), so listing costs one query plus, per group, the same reads as
 * `describe` — and the partitions' end offsets once for all groups.
 */
import { mapWithConcurrency } from '../concurrency';
import type { PartitionLog } from '../log/log';
import type { GroupStore } from '../ports';
import type { TopicReader, TopicReaderSource } from '../readers';
import type { TopicService } from '../topics';
import type { Topic } from '../types';

/** Groups described at once; each is a GetItem and a Query. */
const GROUP_CONCURRENCY = 8;
/** End-offset reads at once (one per partition). */
const PARTITION_CONCURRENCY = 16;

export class ConsumerGroupReaders implements TopicReaderSource {
  constructor(
    private readonly topics: TopicService,
    private readonly log: PartitionLog,
    private readonly groups: GroupStore,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Each group with its total lag (over the partitions it has a committed
   * offset on, counted from the start offset once retention passed it) and
   * its live members (a session not yet expired).
   */
  async listReaders(topic: Topic): Promise<TopicReader[]> {
    const names = await this.groups.groupsReading(topic.name, topic.topicId);
    if (names.length === 0) return [];
    const [states, ends] = await Promise.all([
      this.topics.partitionStates(topic),
      mapWithConcurrency(
        Array.from({ length: topic.partitions }, (_, p) => p),
        PARTITION_CONCURRENCY,
        (p) => this.log.endOffset(topic, p),
      ),
    ]);
    const now = this.now();
    return mapWithConcurrency(names, GROUP_CONCURRENCY, async (group) => {
      const { view, partitions } = await this.groups.describe({ group, topic: topic.name, topicId: topic.topicId });
      let lag = 0;
      for (const p of partitions) {
        const end = ends[p.partition];
        if (p.committed === undefined || end === undefined) continue;
        lag += Math.max(0, end - Math.max(p.committed, states[p.partition]?.startOffset ?? 0));
      }
      const members = [...(view?.members.values() ?? [])].filter((m) => m.expiresAt > now).length;
      return { group, type: 'consumer' as const, lag, members };
    });
  }
}
