/** Lambda: consumer groups — poll, commit, nack, describe, leave, offset reset. */
import { createHttpHandler } from '../http/middleware';
import { presentRecord } from '../http/present';
import {
  parseCommit,
  parseConsumerId,
  parseGroupName,
  parseNack,
  parsePoll,
  parseReset,
  parseTopicQuery,
} from '../http/group-schemas';
import { parseJsonBody } from '../http/schemas';
import { getRuntime } from '../runtime';

export const handler = createHttpHandler({
  poll: async (request) => {
    const group = parseGroupName(request.pathParameters.group);
    const body = parsePoll(parseJsonBody(request.body));
    request.authorizeTopic(body.topic);
    const result = await getRuntime().groups.poll({ group, ...body });
    return {
      statusCode: 200,
      body: {
        records: result.records.map((r) => ({ ...presentRecord(r), deliveryAttempt: r.deliveryAttempt })),
        assignment: result.assignment,
      },
    };
  },
  commit: async (request) => {
    const group = parseGroupName(request.pathParameters.group);
    const body = parseCommit(parseJsonBody(request.body));
    request.authorizeTopic(body.topic);
    const committed = await getRuntime().groups.commit(group, body.topic, body.consumerId, body.offsets);
    // Per partition, the offset now committed (a lower offset than the stored one leaves it).
    return { statusCode: 200, body: { offsets: committed } };
  },
  nack: async (request) => {
    const group = parseGroupName(request.pathParameters.group);
    const body = parseNack(parseJsonBody(request.body));
    request.authorizeTopic(body.topic);
    return { statusCode: 200, body: await getRuntime().groups.nack({ group, ...body }) };
  },
  describeGroup: async (request) => {
    const group = parseGroupName(request.pathParameters.group);
    const topic = parseTopicQuery(request.query);
    request.authorizeTopic(topic);
    return { statusCode: 200, body: await getRuntime().groups.describe(group, topic) };
  },
  resetOffsets: async (request) => {
    const group = parseGroupName(request.pathParameters.group);
    const body = parseReset(parseJsonBody(request.body));
    request.authorizeTopic(body.topic);
    const result = await getRuntime().groups.resetOffsets({ group, ...body });
    return { statusCode: 200, body: body.dryRun ? { ...result, dryRun: true } : result };
  },
  leave: async (request) => {
    const group = parseGroupName(request.pathParameters.group);
    const consumerId = parseConsumerId(request.pathParameters.consumerId);
    const topic = parseTopicQuery(request.query);
    request.authorizeTopic(topic);
    await getRuntime().groups.leave(group, topic, consumerId);
    return { statusCode: 204 };
  },
});
