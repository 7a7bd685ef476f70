/**
 * Push delivery on AWS: the log table's stream (new images) feeds the
 * `dispatcher` function through an event source mapping. Lambda reads the
 * stream at no charge, and a filter passes only INSERTs (appends), so an
 * idle topic invokes nothing and the archiver's deletes invoke nothing.
 * We bisect failing deliveries ourselves (per subscription, to the failing
 * record), so the mapping's bisect-on-error is off; its retries are bounded
 * and a batch that still fails goes to an encrypted SQS on-failure queue
 * (with an alarm). The dispatcher may invoke exactly the Lambda functions an
 * operator allowed by ARN pattern (context `tributary:subscriptionFunctionArns`)
 * and no other.
 *
 * The retry sweep's rule (`rate(1 minute)`, made by FunctionSchedules under
 * the name `sweepRuleName`) is enabled by the first retry note and disabled
 * by a sweep that leaves none, so nothing runs while nothing waits: the
 * dispatcher and the subscriptions function (a resume notes retries) may
 * enable and disable that one rule.
 */
import { createHash } from 'node:crypto';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition, type Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SWEEP_RULE_ENV } from '../lambdas/config';
import { METRICS_NAMESPACE } from '../lambdas/core/metrics';

/** Stream records per dispatcher invocation (appends of many partitions are delivered together). */
export const DISPATCH_BATCH_SIZE = 100;
/** Tries of a stream batch whose dispatch failed (store errors; delivery failures are retried by the sweep). */
export const DISPATCH_RETRY_ATTEMPTS = 3;

/** The retry sweep's rule name: the stack's name and a suffix, within EventBridge's 64 characters. */
export function sweepRuleName(stackName: string): string {
  const suffix = '-retry-sweep';
  if (stackName.length + suffix.length <= 64) return `${stackName}${suffix}`;
  const hash = createHash('sha256').update(stackName).digest('hex').slice(0, 8);
  return `${stackName.slice(0, 64 - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}

/** Properties of {@link PushDelivery}. */
export interface PushDeliveryProps {
  /** The dispatcher function (`FUNCTIONS.dispatcher`). */
  readonly dispatcher: LambdaFunction;
  /** The function behind the subscriptions routes (a resume notes retries, which wakes the sweep). */
  readonly subscriptions: LambdaFunction;
  /** The physical name of the dispatcher's schedule rule ({@link sweepRuleName}). */
  readonly sweepRuleName: string;
  /** The log table; it must have a stream (TABLE_DEFINITIONS.log.stream). */
  readonly logTable: Table;
  /**
   * ARN patterns of Lambda functions subscriptions may target (`*` wildcards).
   * @default none: no function may be a target
   */
  readonly subscriptionFunctionArns?: readonly string[];
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** The `service` dimension of the dispatcher's metrics (`tributary-dispatcher`). */
  readonly serviceName: string;
}

export class PushDelivery extends Construct {
  /** Stream batches the dispatcher could not handle after its retries. */
  readonly failedDispatches: Queue;
  /** Fires when a stream batch landed in the on-failure queue. */
  readonly failedDispatchAlarm: Alarm;
  /** Fires when deliveries have failed in each of the last 15 minutes. */
  readonly failingAlarm: Alarm;
  /** Fires when a receiver disabled a subscription (410 Gone). */
  readonly disabledAlarm: Alarm;

  constructor(scope: Construct, id: string, props: PushDeliveryProps) {
    super(scope, id);
    this.failedDispatches = new Queue(this, 'FailedDispatches', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    props.dispatcher.addEventSource(
      new DynamoEventSource(props.logTable, {
        startingPosition: StartingPosition.LATEST,
        batchSize: DISPATCH_BATCH_SIZE,
        bisectBatchOnError: false,
        retryAttempts: DISPATCH_RETRY_ATTEMPTS,
        maxRecordAge: Duration.hours(1),
        onFailure: new SqsDlq(this.failedDispatches),
        filters: [FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT') })],
      }),
    );
    const sweepRuleArn = Stack.of(this).formatArn({ service: 'events', resource: 'rule', resourceName: props.sweepRuleName });
    for (const fn of [props.dispatcher, props.subscriptions]) {
      fn.addEnvironment(SWEEP_RULE_ENV, props.sweepRuleName);
      fn.addToRolePolicy(new PolicyStatement({ actions: ['events:EnableRule', 'events:DisableRule'], resources: [sweepRuleArn] }));
    }
    const patterns = props.subscriptionFunctionArns ?? [];
    if (patterns.length > 0) {
      props.dispatcher.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [...patterns] }));
    }
    this.failedDispatchAlarm = new Alarm(this, 'FailedDispatchAlarm', {
      alarmDescription: 'Tributary: a stream batch of the log table could not be dispatched (see the FailedDispatches queue).',
      metric: this.failedDispatches.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const metric = (metricName: string) =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: props.serviceName }, statistic: 'Sum', period: Duration.minutes(1) });
    this.failingAlarm = new Alarm(this, 'DeliveryFailingAlarm', {
      alarmDescription: 'Tributary: push deliveries have failed in each of the last 15 minutes (a subscription target keeps failing).',
      metric: metric('DeliveryFailures'),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 15,
      datapointsToAlarm: 15,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.disabledAlarm = new Alarm(this, 'SubscriptionDisabledAlarm', {
      alarmDescription: 'Tributary: a receiver answered 410 Gone and its push subscription was disabled.',
      metric: metric('SubscriptionsDisabled'),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
