/** Lambda: push subscriptions — create, list, describe, change, delete. */
import type { Subscription } from '../core/delivery/types';
import type { SubscriptionPartition } from '../core/delivery/subscriptions';
import { createHttpHandler } from '../http/middleware';
import { parseCreateSubscription, parseSubscriptionName, parseUpdateSubscription } from '../http/subscription-schemas';
import { parseJsonBody, parseTopicName } from '../http/schemas';
import { getRuntime } from '../runtime';

/** A subscription as the API shows it: never its secret (except once, by `withSecret`). */
export function presentSubscription(s: Subscription, partitions?: SubscriptionPartition[]) {
  return {
    name: s.name,
    topic: s.topic,
    target: s.target,
    filter: s.filter,
    state: s.state,
    ...(s.disabledReason ? { disabledReason: s.disabledReason } : {}),
    maxBatchRecords: s.maxBatchRecords,
    maxBatchingWindowMs: s.maxBatchingWindowMs,
    maxDeliveryAttempts: s.maxDeliveryAttempts,
    startFrom: s.startFrom,
    createdAt: s.createdAt,
    ...(partitions ? { partitions } : {}),
  };
}

function withSecret(s: Subscription) {
  return { ...presentSubscription(s), ...(s.target.type === 'https' ? { signingSecret: s.secrets.current } : {}) };
}

export const handler = createHttpHandler({
  createSubscription: async (request) => {
    const topic = parseTopicName(request.pathParameters.topic);
    const body = parseCreateSubscription(parseJsonBody(request.body));
    const created = await getRuntime().subscriptions.create({ topic, ...body });
    return { statusCode: 201, body: withSecret(created) };
  },
  listSubscriptions: async (request) => {
    const topic = parseTopicName(request.pathParameters.topic);
    const list = await getRuntime().subscriptions.list(topic);
    return { statusCode: 200, body: { subscriptions: list.map((s) => presentSubscription(s)) } };
  },
  describeSubscription: async (request) => {
    const topic = parseTopicName(request.pathParameters.topic);
    const name = parseSubscriptionName(request.pathParameters.name);
    const { subscription, partitions } = await getRuntime().subscriptions.describe(topic, name);
    return { statusCode: 200, body: presentSubscription(subscription, partitions) };
  },
  updateSubscription: async (request) => {
    const topic = parseTopicName(request.pathParameters.topic);
    const name = parseSubscriptionName(request.pathParameters.name);
    const body = parseUpdateSubscription(parseJsonBody(request.body));
    const updated = await getRuntime().subscriptions.update(topic, name, body);
    return { statusCode: 200, body: body.rotateSecret ? withSecret(updated) : presentSubscription(updated) };
  },
  deleteSubscription: async (request) => {
    const topic = parseTopicName(request.pathParameters.topic);
    const name = parseSubscriptionName(request.pathParameters.name);
    await getRuntime().subscriptions.delete(topic, name);
    return { statusCode: 204 };
  },
});
