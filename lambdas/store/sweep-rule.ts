/**
 * The retry sweep's schedule on AWS: the dispatcher's EventBridge rule
 * (`rate(1 minute)`), enabled while retry notes exist and disabled otherwise,
 * so a deployment with nothing to retry invokes nothing. Enabling a rule that
 * is on, or disabling one that is off, changes nothing; both are free API calls.
 */
import { DisableRuleCommand, EnableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SweepSchedule } from '../core/delivery/types';

export class EventBridgeSweepRule implements SweepSchedule {
  constructor(
    private readonly client: () => Pick<EventBridgeClient, 'send'>,
    private readonly ruleName: string,
  ) {}

  async wake(): Promise<void> {
    await this.client().send(new EnableRuleCommand({ Name: this.ruleName }));
  }

  async sleep(): Promise<void> {
    await this.client().send(new DisableRuleCommand({ Name: this.ruleName }));
  }
}

/** An EventBridge client made on first use (most invocations never touch the rule). */
export function lazyEventBridgeClient(region: string | undefined): () => EventBridgeClient {
  let client: EventBridgeClient | undefined;
  return () => (client ??= new EventBridgeClient({ region }));
}
