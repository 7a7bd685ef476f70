/** The push-delivery part of the template: the log stream, its event source mapping, the queue, grants and alarms. */
import { Match } from 'aws-cdk-lib/assertions';
import { sweepRuleName } from '../../lib/push-delivery';
import { actionsOf, logicalId, statementsOf, synth } from './template';

describe('Push delivery in the template', () => {
  const { stack, template } = synth();
  const dispatcherRole = logicalId(stack, stack.roles.dispatcher);

  it('gives the log table a stream of new images', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'stream', KeyType: 'HASH' },
        { AttributeName: 'offset', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
  });

  it('maps the stream to the dispatcher for inserts only, without bisecting, with bounded retries and an on-failure queue', () => {
    const queueId = logicalId(stack, stack.pushDelivery.failedDispatches);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack, stack.functions.dispatcher) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.tables.log), 'StreamArn'] },
      StartingPosition: 'LATEST',
      BisectBatchOnFunctionError: false,
      MaximumRetryAttempts: 3,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('runs the retry sweep every minute from a rule the dispatcher finds by name', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: sweepRuleName(stack.stackName),
      ScheduleExpression: 'rate(1 minute)',
      Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack, stack.functions.dispatcher), 'Arn'] } })]),
    });
  });

  it('lets the dispatcher and the subscriptions function enable and disable that rule and nothing else', () => {
    const ruleArn = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:rule/${sweepRuleName(stack.stackName)}`]],
    };
    for (const fn of ['dispatcher', 'subscriptions'] as const) {
      const statements = statementsOf(template, logicalId(stack, stack.roles[fn]));
      const events = statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('events:')));
      expect(events).toEqual([expect.objectContaining({ Effect: 'Allow', Action: ['events:DisableRule', 'events:EnableRule'], Resource: ruleArn })]);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [logicalId(stack, stack.roles[fn]), 'Arn'] },
        Environment: { Variables: Match.objectLike({ TRIBUTARY_SWEEP_RULE: sweepRuleName(stack.stackName) }) },
      });
    }
    const others = (['produce', 'fetch', 'groups', 'archiver'] as const).flatMap((fn) => actionsOf(statementsOf(template, logicalId(stack, stack.roles[fn]))));
    expect(others.filter((a) => a.startsWith('events:'))).toEqual([]);
  });

  it('names the rule within 64 characters, distinct per stack', () => {
    expect(sweepRuleName('Tributary')).toBe('Tributary-retry-sweep');
    const long = 'T'.repeat(100);
    expect(sweepRuleName(long)).toHaveLength(64);
    expect(sweepRuleName(long)).not.toBe(sweepRuleName(`${'T'.repeat(99)}U`));
  });

  it('lets the dispatcher invoke no function by default', () => {
    expect(actionsOf(statementsOf(template, dispatcherRole))).not.toContain('lambda:InvokeFunction');
  });

  it('lets the dispatcher invoke exactly the allowed ARN patterns', () => {
    const pattern = 'arn:aws:lambda:eu-west-1:123456789012:function:hooks-*';
    const allowed = synth({ subscriptionFunctionArns: [pattern] });
    const statements = statementsOf(allowed.template, logicalId(allowed.stack, allowed.stack.roles.dispatcher));
    const invoke = statements.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: pattern })]);
    allowed.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TRIBUTARY_SUBSCRIPTION_FUNCTION_ARNS: pattern }) },
    });
  });

  it('alarms on failed dispatches, on deliveries failing for 15 minutes, and on a disabled subscription', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DeliveryFailures',
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
      Period: 60,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'SubscriptionsDisabled' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible' });
  });

  it('never gives the REST function of subscriptions the dead-letter table nor the bucket', () => {
    const role = logicalId(stack, stack.roles.subscriptions);
    const resources = JSON.stringify(statementsOf(template, role).map((s) => s.Resource));
    expect(resources).not.toContain(logicalId(stack, stack.tables.deadLetters));
    expect(resources).not.toContain(logicalId(stack, stack.bucket));
  });
});
