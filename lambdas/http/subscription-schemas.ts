/** Validation of push-subscription requests (API.md, "Push subscriptions"; conventions in schemas.ts). */
import { z } from 'zod';
import { InvalidRequestError } from '../core/errors';
import { TOPIC_NAME_PATTERN } from '../core/limits';
import { filterSchema } from './filter-schemas';
import { parse, safeInt } from './schemas';

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]{1,64}(:[a-zA-Z0-9$_-]{1,128})?$/;

const subscriptionName = z
  .string({ error: 'expected a string' })
  .regex(TOPIC_NAME_PATTERN, { error: 'must match ^[a-zA-Z0-9._-]{1,249}$' });

const target = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('https'), url: z.string({ error: 'expected a string' }).max(2048, { error: 'at most 2048 characters' }) }),
    z.strictObject({
      type: z.literal('lambda'),
      functionArn: z.string({ error: 'expected a string' }).regex(LAMBDA_ARN, { error: 'expected a Lambda function ARN' }),
    }),
  ],
  { error: "expected {type: 'https', url} or {type: 'lambda', functionArn}" },
);

const batchFields = {
  maxBatchRecords: safeInt(1, 1000).optional(),
  maxBatchingWindowMs: safeInt(0, 300_000).optional(),
  maxDeliveryAttempts: safeInt(1, 100).optional(),
};

export const createSubscriptionBody = z.strictObject({
  name: subscriptionName,
  target,
  filter: filterSchema.optional(),
  ...batchFields,
  startFrom: z.enum(['earliest', 'latest'], { error: "expected 'earliest' or 'latest'" }).optional(),
});

export const updateSubscriptionBody = z
  .strictObject({
    state: z.enum(['active', 'paused'], { error: "expected 'active' or 'paused'" }).optional(),
    filter: filterSchema.nullable().optional(),
    rotateSecret: z.boolean({ error: 'expected a boolean' }).optional(),
    ...batchFields,
  })
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), {
    error: 'at least one of state, filter, rotateSecret, maxBatchRecords, maxBatchingWindowMs, maxDeliveryAttempts is required',
  });

export type CreateSubscriptionBody = z.infer<typeof createSubscriptionBody>;
export type UpdateSubscriptionBody = z.infer<typeof updateSubscriptionBody>;

export function parseCreateSubscription(body: unknown): CreateSubscriptionBody {
  return parse(createSubscriptionBody, body);
}

export function parseUpdateSubscription(body: unknown): UpdateSubscriptionBody {
  return parse(updateSubscriptionBody, body);
}

export function parseSubscriptionName(value: string | undefined): string {
  if (value === undefined || !TOPIC_NAME_PATTERN.test(value)) throw new InvalidRequestError('must match ^[a-zA-Z0-9._-]{1,249}$', 'name');
  return value;
}
