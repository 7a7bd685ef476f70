/**
 * Lambda: the Upstash Kafka REST API (`/upstash/...`), so code written for
 * `@upstash/kafka` runs against Tributary by changing its URL and password.
 * Parse (lambdas/upstash/schemas.ts), authorize each topic, translate
 * (lambdas/upstash/records.ts, consumers.ts). Every answer is JSON, errors
 * in Upstash's `{"error", "status"}` body.
 */
import { upstashErrorResponse } from '../http/errors';
import { createHttpHandler, type HttpRequest } from '../http/middleware';
import { getRuntime } from '../runtime';
import { UpstashConsumers } from '../upstash/consumers';
import { toMessage } from '../upstash/messages';
import { UpstashRecords } from '../upstash/records';
import {
  parseConsumerPath,
  parseOffsetPosition,
  parseTopicPartitions,
  parseUpstashCommit,
  parseUpstashConsume,
  parseUpstashFetch,
  parseUpstashProduce,
  parseWebhookQuery,
} from '../upstash/schemas';

let built: { records: UpstashRecords; consumers: UpstashConsumers } | undefined;

/** The facade's services over the process-wide runtime, built on first use. */
function facade() {
  if (!built) {
    const runtime = getRuntime();
    built = {
      records: new UpstashRecords(runtime.producer, runtime.fetcher, runtime.topics),
      consumers: new UpstashConsumers(runtime.groups, runtime.topics, runtime.upstashInstances),
    };
  }
  return built;
}

const SUCCESS = { result: 'Success', status: 200 } as const;

const authorizeAll = (request: HttpRequest, topics: Iterable<string>) => {
  for (const topic of new Set(topics)) request.authorizeTopic(topic);
};

export const handler = createHttpHandler(
  {
    upstashProduce: async (request) => {
      const messages = parseUpstashProduce(request.body);
      authorizeAll(request, messages.map((m) => m.topic));
      return { statusCode: 200, body: await facade().records.produce(messages) };
    },
    upstashWebhook: async (request) => {
      const topic = parseWebhookQuery(request.query);
      request.authorizeTopic(topic);
      const [result] = await facade().records.produce([{ topic, value: request.body ?? '' }]);
      return { statusCode: 200, body: result };
    },
    upstashFetch: async (request) => {
      const fetch = parseUpstashFetch(request.body);
      authorizeAll(request, fetch.partitions.map((p) => p.topic));
      return { statusCode: 200, body: await facade().records.fetch(fetch) };
    },
    upstashConsume: async (request) => {
      const { group, instance } = parseConsumerPath(request.pathParameters);
      const consume = parseUpstashConsume(request.body, request.headers);
      authorizeAll(request, consume.topics);
      const records = await facade().consumers.consume(group, instance, consume);
      return { statusCode: 200, body: records.map(({ topic, record }) => toMessage(topic, record)) };
    },
    upstashCommit: async (request) => {
      const { group, instance } = parseConsumerPath(request.pathParameters);
      const offsets = parseUpstashCommit(request.body);
      const { consumers } = facade();
      // Without offsets, the instance's own topics are committed.
      const topics = offsets ? offsets.map((o) => o.topic) : ((await consumers.topicsOf(group, instance)) ?? []);
      authorizeAll(request, topics);
      await consumers.commit(group, instance, offsets);
      return { statusCode: 200, body: SUCCESS };
    },
    upstashCommitted: async (request) => {
      const { group } = parseConsumerPath(request.pathParameters);
      const partitions = parseTopicPartitions(request.body);
      authorizeAll(request, partitions.map((p) => p.topic));
      return { statusCode: 200, body: await facade().consumers.committed(group, partitions) };
    },
    upstashRemoveConsumer: async (request) => {
      const { group, instance } = parseConsumerPath(request.pathParameters);
      const { consumers } = facade();
      authorizeAll(request, (await consumers.topicsOf(group, instance)) ?? []);
      await consumers.remove(group, instance); // 404 for an unknown instance
      return { statusCode: 200, body: SUCCESS };
    },
    upstashOffsets: async (request) => {
      const position = parseOffsetPosition(request.pathParameters.position);
      const partitions = parseTopicPartitions(request.body);
      authorizeAll(request, partitions.map((p) => p.topic));
      return { statusCode: 200, body: await facade().records.offsets(position, partitions) };
    },
    upstashTopics: async () => ({ statusCode: 200, body: await facade().records.partitionCounts() }),
    upstashConsumers: async () => ({ statusCode: 200, body: await facade().consumers.list() }),
  },
  { presentError: upstashErrorResponse },
);
