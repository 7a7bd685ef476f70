/** Lambda: who reads a topic — its consumer groups, share groups and subscriptions, with their lag. */
import { createHttpHandler } from '../http/middleware';
import { parseTopicName } from '../http/schemas';
import { getRuntime } from '../runtime';

export const handler = createHttpHandler({
  listTopicGroups: async (request) => {
    const topic = parseTopicName(request.pathParameters.topic);
    return { statusCode: 200, body: { groups: await getRuntime().topicReaders.list(topic) } };
  },
});
