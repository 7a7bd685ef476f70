/** The OpenAPI description of the push-subscription operations (API.md, "Push subscriptions"). */
import { z } from 'zod';
import { REQUEST_ERRORS, type OperationDoc } from './openapi-operations';
import { createSubscriptionBody, updateSubscriptionBody } from './subscription-schemas';

const target = z.union([
  z.strictObject({ type: z.literal('https'), url: z.string() }),
  z.strictObject({ type: z.literal('lambda'), functionArn: z.string() }),
]);

const filter = z
  .strictObject({
    keys: z.array(z.string()).optional(),
    headers: z.strictObject({ match: z.enum(['all', 'any']), values: z.record(z.string(), z.string().nullable()) }).optional(),
  })
  .nullable();

const subscriptionPartition = z.strictObject({
  partition: z.number().int().min(0),
  committedOffset: z.number().int().min(0),
  endOffset: z.number().int().min(0),
  lag: z.number().int().min(0),
  consecutiveFailures: z.number().int().min(0),
  nextAttemptAt: z.number().int().nullable().describe('When the next try is due (epoch ms); null when none waits.'),
  lastError: z.string().nullable(),
});

const subscriptionFields = {
  name: z.string(),
  topic: z.string(),
  target,
  filter,
  state: z.enum(['active', 'paused', 'disabled']),
  disabledReason: z.string().optional().describe('Why it was disabled (a 410 Gone from the receiver).'),
  maxBatchRecords: z.number().int(),
  maxBatchingWindowMs: z.number().int(),
  maxDeliveryAttempts: z.number().int().nullable().describe("null: the topic's maxDeliveryAttempts."),
  startFrom: z.enum(['earliest', 'latest']),
  createdAt: z.number().int(),
};

export const subscription = z.strictObject(subscriptionFields);
export const subscriptionWithSecret = z.strictObject({
  ...subscriptionFields,
  signingSecret: z.string().optional().describe('Shown once (create, rotation), for an https target: `whsec_` + base64.'),
});
export const subscriptionList = z.strictObject({ subscriptions: z.array(subscription) });
export const subscriptionDescription = z.strictObject({ ...subscriptionFields, partitions: z.array(subscriptionPartition) });

export const SUBSCRIPTION_OPERATIONS: Readonly<Record<string, OperationDoc>> = {
  createSubscription: {
    summary: 'Create a push subscription (an https webhook or a Lambda function)',
    description:
      'Records are delivered per partition in offset order, at least once, signed with Standard Webhooks headers. The target URL must be https:// and resolve only to public addresses.',
    tag: 'Subscriptions',
    request: createSubscriptionBody,
    success: { status: 201, description: 'The subscription, with its signing secret (shown only here).', body: subscriptionWithSecret },
    errors: [...REQUEST_ERRORS, 409],
  },
  listSubscriptions: {
    summary: "List a topic's push subscriptions",
    tag: 'Subscriptions',
    success: { status: 200, description: 'The subscriptions (never their secrets).', body: subscriptionList },
    errors: REQUEST_ERRORS,
  },
  describeSubscription: {
    summary: 'Describe a push subscription: per partition its committed offset, lag and retry state',
    tag: 'Subscriptions',
    success: { status: 200, description: 'The subscription.', body: subscriptionDescription },
    errors: REQUEST_ERRORS,
  },
  updateSubscription: {
    summary: 'Pause, resume or re-enable a subscription, change its filter or batching, or rotate its secret',
    tag: 'Subscriptions',
    request: updateSubscriptionBody,
    success: { status: 200, description: 'The subscription; with rotateSecret, its new secret (both sign for 24 h).', body: subscriptionWithSecret },
    errors: REQUEST_ERRORS,
  },
  deleteSubscription: {
    summary: 'Delete a push subscription',
    tag: 'Subscriptions',
    success: { status: 204, description: 'Deleted.' },
    errors: REQUEST_ERRORS,
  },
};
