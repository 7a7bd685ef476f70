/** What the consumer-group operations (poll, commits, reset, lease expiry) are written against. */
import type { DeadLetterWriter } from '../dead-letters';
import type { PartitionLog } from '../log/log';
import type { GroupKey, GroupStore } from '../ports';
import type { TopicService } from '../topics';
import type { Topic } from '../types';

export interface GroupContext {
  readonly topics: TopicService;
  readonly log: PartitionLog;
  readonly groups: GroupStore;
  readonly deadLetters: DeadLetterWriter;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** The topic and the (group, topic incarnation) key of an operation. */
export async function groupKey(context: GroupContext, group: string, topicName: string): Promise<{ topic: Topic; key: GroupKey }> {
  const topic = await context.topics.get(topicName);
  return { topic, key: { group, topic: topic.name, topicId: topic.topicId } };
}

/** How many times an operation that lost a race re-reads and tries again. */
export const RETRY_ATTEMPTS = 3;
