/** Lambda: share groups — receive, ack, describe, reset, delete (API.md, "Share groups"). */
import { PartitionNotFoundError } from '../core/errors';
import { parseGroupName, parseTopicQuery } from '../http/group-schemas';
import { createHttpHandler } from '../http/middleware';
import { presentRecord } from '../http/present';
import { parseJsonBody } from '../http/schemas';
import { parseAck, parseReceive, parseShareReset } from '../http/share-schemas';
import { getRuntime } from '../runtime';

export const handler = createHttpHandler({
  receive: async (request) => {
    const group = parseGroupName(request.pathParameters.group);
    const body = parseReceive(parseJsonBody(request.body));
    request.authorizeTopic(body.topic);
    const records = await getRuntime().shareGroups.receive({ group, ...body });
    return {
      statusCode: 200,
      body: {
        records: records.map((r) => ({
          ...presentRecord(r),
          deliveryAttempt: r.deliveryAttempt,
          lockToken: r.lockToken,
          lockExpiresAt: r.lockExpiresAt,
        })),
      },
    };
  },
  ack: async (request) => {
    const group = parseGroupName(request.pathParameters.group);
    const body = parseAck(parseJsonBody(request.body));
    request.authorizeTopic(body.topic);
    return { statusCode: 200, body: { results: await getRuntime().shareGroups.ack(group, body.topic, body.acks) } };
  },
  describeShareGroup: async (request) => {
    const group = parseGroupName(request.pathParameters.group);
    const topic = parseTopicQuery(request.query);
    request.authorizeTopic(topic);
    return { statusCode: 200, body: await getRuntime().shareGroups.describe(group, topic) };
  },
  resetShareGroup: async (request) => {
    const group = parseGroupName(request.pathParameters.group);
    const body = parseShareReset(parseJsonBody(request.body));
    request.authorizeTopic(body.topic);
    const runtime = getRuntime();
    if (body.partitions) {
      const topic = await runtime.topics.get(body.topic);
      const beyond = body.partitions.find((p) => p >= topic.partitions);
      if (beyond !== undefined) throw new PartitionNotFoundError(topic.name, beyond, topic.partitions);
    }
    return { statusCode: 200, body: await runtime.shareGroups.reset(group, body.topic, body.to, body.partitions) };
  },
  deleteShareGroup: async (request) => {
    const group = parseGroupName(request.pathParameters.group);
    const topic = parseTopicQuery(request.query);
    request.authorizeTopic(topic);
    await getRuntime().shareGroups.delete(group, topic);
    return { statusCode: 204 };
  },
});
