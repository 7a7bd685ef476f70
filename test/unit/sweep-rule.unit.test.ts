/** The sweep's schedule on AWS: which EventBridge calls `wake` and `sleep` make, on which rule. */
import { DisableRuleCommand, EnableRuleCommand } from '@aws-sdk/client-eventbridge';
import { loadConfig } from '../../lambdas/config';
import { EventBridgeSweepRule } from '../../lambdas/store/sweep-rule';

describe('EventBridgeSweepRule', () => {
  it('enables the named rule on wake and disables it on sleep', async () => {
    const sent: unknown[] = [];
    const rule = new EventBridgeSweepRule(() => ({ send: async (command: unknown) => void sent.push(command) }) as never, 'Tributary-retry-sweep');
    await rule.wake();
    await rule.sleep();
    expect(sent.map((c) => [c?.constructor, (c as { input: unknown }).input])).toEqual([
      [EnableRuleCommand, { Name: 'Tributary-retry-sweep' }],
      [DisableRuleCommand, { Name: 'Tributary-retry-sweep' }],
    ]);
  });

  it('lets a failed call fail the caller, so the note\'s writer (a stream batch) is retried', async () => {
    const rule = new EventBridgeSweepRule(() => ({ send: async () => Promise.reject(new Error('ThrottlingException')) }) as never, 'r');
    await expect(rule.wake()).rejects.toThrow('ThrottlingException');
  });

  it('is configured from TRIBUTARY_SWEEP_RULE, and absent without it (the local stack sweeps on a timer)', () => {
    expect(loadConfig({ TRIBUTARY_SWEEP_RULE: 'Tributary-retry-sweep' }).sweepRule).toBe('Tributary-retry-sweep');
    expect(loadConfig({}).sweepRule).toBeUndefined();
  });
});
