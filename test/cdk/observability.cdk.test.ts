/**
 * Observability in the template: the dashboard, the alarms (dead letters,
 * consumer lag, throttles, API 5xx, watched groups), and what the functions
 * need to log, measure and trace (Powertools environment, X-Ray).
 */
import { Match } from 'aws-cdk-lib/assertions';
import { METRICS_NAMESPACE } from '../../lambdas/core/metrics';
import { FUNCTION_NAMES, serviceName } from '../../lib/functions';
import { logicalId, synth } from './template';

type Resource = { Properties: Record<string, unknown> };

/** The Metrics Insights query (or metric name) an alarm watches. */
function watched(alarm: Resource): string {
  const props = alarm.Properties as { Metrics?: Array<{ Expression?: string; ReturnData?: boolean }>; MetricName?: string };
  return props.Metrics?.find((m) => m.ReturnData !== false)?.Expression ?? String(props.MetricName);
}

describe('Observability', () => {
  const { stack, template } = synth({
    watchedGroups: [{ group: 'billing', topic: 'orders' }],
    alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:tributary-alarms',
    consumerLagThreshold: 5000,
  });
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
  const alarmOn = (needle: string) => alarms.filter((alarm) => watched(alarm).includes(needle));

  it('creates a dashboard with API, function, record, lag and store widgets', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const needle of [
      '5XXError',
      '4XXError',
      'Latency',
      'AWS/Lambda',
      'Errors',
      'Duration',
      'RecordsProduced',
      'RecordsPolled',
      'RecordsDeadLettered',
      'BytesProduced',
      'ConsumerLag',
      'ConditionalWriteConflicts',
      'Throttles',
      'WriteThrottleEvents',
    ]) {
      expect([needle, body.includes(needle)]).toEqual([needle, true]);
    }
    template.hasOutput('DashboardName', { Value: { Ref: logicalId(stack, stack.observability.dashboard) } });
  });

  it('alarms on any dead-lettered record, across every function', () => {
    const [alarm] = alarmOn('RecordsDeadLettered');
    expect(watched(alarm!)).toBe(`SELECT SUM(RecordsDeadLettered) FROM SCHEMA(${METRICS_NAMESPACE}, service)`);
    expect(alarm!.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
  });

  it('alarms on the largest consumer lag over the threshold, keeping its state while no group polls', () => {
    const [alarm] = alarmOn(`SELECT MAX(ConsumerLag) FROM SCHEMA(${METRICS_NAMESPACE}, service)`);
    expect(alarm!.Properties).toMatchObject({ Threshold: 5000, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'ignore' });
  });

  it('alarms on throttled store requests across every function', () => {
    const [alarm] = alarmOn('SUM(Throttles)');
    expect(alarm!.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect((alarm!.Properties.Metrics as Array<{ Period?: number }>)[0]?.Period).toBe(300);
  });

  it('alarms on API 5xx answers', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: Match.arrayWith([Match.objectLike({ Name: 'ApiName' })]),
    });
  });

  it('gives a watched group its own lag alarm that fires when the group goes silent', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: 'ConsumerLag',
      Statistic: 'Maximum',
      Threshold: 5000,
      TreatMissingData: 'breaching',
      Dimensions: [
        { Name: 'group', Value: 'billing' },
        { Name: 'service', Value: serviceName('groups') },
        { Name: 'topic', Value: 'orders' },
      ],
    });
  });

  it('notifies the given SNS topic from every alarm', () => {
    // Five of the dashboard's, three of push delivery (lib/push-delivery.ts).
    expect(alarms).toHaveLength(8);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual(['arn:aws:sns:us-east-1:123456789012:tributary-alarms']);
    }
  });

  it('names each function as the Powertools service of its logs, metrics and traces', () => {
    for (const name of FUNCTION_NAMES) {
      const fn = template.toJSON().Resources[logicalId(stack, stack.functions[name])];
      expect(fn.Properties.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: serviceName(name),
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_TRACE_ENABLED: 'false',
      });
    }
    expect(serviceName('deadLetters')).toBe('tributary-dead-letters');
  });
});

describe('Observability with tracing', () => {
  const { stack, template } = synth({ tracing: true });

  it('traces every function (X-Ray active, Powertools Tracer on) and the API stage', () => {
    for (const name of FUNCTION_NAMES) {
      const fn = template.toJSON().Resources[logicalId(stack, stack.functions[name])];
      expect([name, fn.Properties.TracingConfig]).toEqual([name, { Mode: 'Active' }]);
      expect(fn.Properties.Environment.Variables.POWERTOOLS_TRACE_ENABLED).toBe('true');
    }
    template.hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: true });
  });

  it('keeps the default alarm thresholds and no alarm actions', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
    expect(alarms).toHaveLength(7);
    expect(alarms.find((a) => watched(a).includes('ConsumerLag'))?.Properties.Threshold).toBe(10_000);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toBeUndefined();
  });
});
