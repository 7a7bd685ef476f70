/**
 * `GET /v1/topics/{topic}/groups`: asks every `TopicReaderSource` (consumer
 * groups, share groups, subscriptions — whichever this deployment has) and
 * lists what they answer, by type then name.
 */
import type { TopicReader, TopicReaderSource } from './readers';
import type { TopicService } from './topics';

const TYPE_ORDER = { consumer: 0, share: 1, subscription: 2 } as const;

export class TopicReadersService {
  constructor(
    private readonly topics: TopicService,
    private readonly sources: readonly TopicReaderSource[],
  ) {}

  /** Throws TopicNotFoundError for an unknown topic. */
  async list(topicName: string): Promise<TopicReader[]> {
    const topic = await this.topics.get(topicName);
    const lists = await Promise.all(this.sources.map((source) => source.listReaders(topic)));
    return lists
      .flat()
      .sort((a, b) => TYPE_ORDER[a.type] - TYPE_ORDER[b.type] || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  }
}
