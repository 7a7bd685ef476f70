/** The `currentTopicId` check of LiveNotifier over the topic service (its short per-container cache). */
import { TopicNotFoundError } from '../errors';
import type { Topic } from '../types';

/** Returns the topic's current incarnation, or undefined when it does not exist. */
export function currentTopicIdOf(topics: { get(name: string): Promise<Topic> }) {
  return async (topic: string): Promise<string | undefined> => {
    try {
      return (await topics.get(topic)).topicId;
    } catch (error) {
      if (error instanceof TopicNotFoundError) return undefined;
      throw error;
    }
  };
}
