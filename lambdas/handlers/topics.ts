/** Lambda: topic administration (create, list, describe, change, delete). */
import { mayUseTopic } from '../core/auth';
import { createHttpHandler, type HttpRequest } from '../http/middleware';
import { parseCreateTopic, parseJsonBody, parseTopicName, parseUpdateTopic } from '../http/schemas';
import { presentTopic } from '../http/present';
import { getRuntime } from '../runtime';

const topicParam = (request: HttpRequest) => parseTopicName(request.pathParameters.topic);

export const handler = createHttpHandler({
  createTopic: async (request) => {
    const input = parseCreateTopic(parseJsonBody(request.body));
    request.authorizeTopic(input.name);
    return { statusCode: 201, body: presentTopic(await getRuntime().topics.create(input)) };
  },
  // Any valid token: only the topics it holds some permission on (all of them for a `*` grant), never 403.
  listTopics: async (request) => {
    const topics = await getRuntime().topics.list();
    return { statusCode: 200, body: { topics: topics.filter((t) => mayUseTopic(request.identity, t.name)) } };
  },
  describeTopic: async (request) => ({
    statusCode: 200,
    body: presentTopic(await getRuntime().topics.describe(topicParam(request))),
  }),
  updateTopic: async (request) => {
    const name = topicParam(request);
    const patch = parseUpdateTopic(parseJsonBody(request.body));
    return { statusCode: 200, body: presentTopic(await getRuntime().topics.update(name, patch)) };
  },
  deleteTopic: async (request) => {
    await getRuntime().topics.delete(topicParam(request));
    return { statusCode: 204 };
  },
});
