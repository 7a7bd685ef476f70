/**
 * Who reads a topic: its consumer groups, share groups and push
 * subscriptions, with their lag — Kafka's `kafka-consumer-groups --list
 * --describe` for one topic (`GET /v1/topics/{topic}/groups`). Each
 * consumption model implements a `TopicReaderSource`; the route asks all of
 * them and concatenates.
 */
import type { Topic } from './types';

export type TopicReaderType = 'consumer' | 'share' | 'subscription';

export interface TopicReader {
  readonly group: string;
  readonly type: TopicReaderType;
  /** Records still to process: the consumer group's or subscription's lag, the share group's `available`. */
  readonly lag: number;
  /** Live members (consumers with a live session; 0 for a subscription). */
  readonly members: number;
}

export interface TopicReaderSource {
  listReaders(topic: Topic): Promise<TopicReader[]>;
}
