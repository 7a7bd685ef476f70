/** The `DeliveryTarget` of the engine: https URLs through WebhookTarget, functions through LambdaTarget. */
import type { DeliveryOutcome, DeliveryRequest, DeliveryTarget, SubscriptionTarget } from '../core/delivery/types';
import type { LambdaTarget } from './lambda-target';
import type { WebhookTarget } from './webhook-target';

export class RoutingTarget implements DeliveryTarget {
  constructor(
    private readonly webhooks: WebhookTarget,
    private readonly functions: LambdaTarget,
  ) {}

  deliver(target: SubscriptionTarget, request: DeliveryRequest): Promise<DeliveryOutcome> {
    return target.type === 'https' ? this.webhooks.deliver(target.url, request) : this.functions.deliver(target.functionArn, request);
  }
}
