/**
 * A CloudWatch dashboard and the alarms of a Tributary deployment.
 *
 * Tributary's own metrics (namespace `Tributary`, written by the functions
 * as embedded metric format: see `lambdas/observability/metrics.ts`) carry
 * a `service` dimension per function. The alarms that watch "any function"
 * use Metrics Insights queries (`SELECT SUM(Throttles) FROM
 * SCHEMA(Tributary, service)`), so a function added later is covered
 * without touching the alarm, and none is bound by metric math's limit of
 * ten metrics.
 *
 * Alarms:
 * - dead-letter arrivals: any record dead-lettered in 5 minutes;
 * - consumer lag: the largest lag any group reported in 5 minutes is over
 *   `consumerLagThreshold`. Lag is sampled by polls, so a group that stops
 *   polling stops reporting: missing data keeps the alarm's last state
 *   (IGNORE), so a lagging group that then dies is not reported as
 *   recovered, and an idle deployment does not alarm. Groups that must
 *   always be consuming go in `watchedGroups`: their own alarm treats
 *   missing data as breaching, which catches a stopped consumer too;
 * - throttles: any DynamoDB or S3 request throttled (each attempt);
 * - API 5xx: the stage answered 5xx `serverErrorThreshold` times in 5 minutes.
 */
import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type AlarmProps,
  type IAlarmAction,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../lambdas/core/metrics';
import { FUNCTION_NAMES, serviceName, type FunctionName } from './functions';
import { TABLE_NAMES, type TableName } from './tables';

/** A consumer group that should always be consuming a topic. */
export interface WatchedGroup {
  readonly group: string;
  readonly topic: string;
}

/** Properties of {@link TributaryObservability}. */
export interface TributaryObservabilityProps {
  readonly functions: Readonly<Record<FunctionName, IFunction>>;
  readonly restApi: RestApi;
  readonly tables: Readonly<Record<TableName, Table>>;
  /**
   * The consumer lag (records) over which the lag alarms fire.
   * @default 10000
   */
  readonly consumerLagThreshold?: number;
  /**
   * 5xx answers in 5 minutes at or over which the API alarm fires.
   * @default 1
   */
  readonly serverErrorThreshold?: number;
  /**
   * Groups with an alarm of their own, which also fires when the group stops polling.
   * @default none
   */
  readonly watchedGroups?: readonly WatchedGroup[];
  /**
   * What every alarm does when it fires (e.g. an `SnsAction` on an existing, encrypted topic).
   * @default no action: the alarms show on the dashboard and in the console
   */
  readonly alarmActions?: readonly IAlarmAction[];
}

/** The metric names the functions write (`CounterName` and `ConsumerLag` in lambdas/core/metrics.ts). */
export const METRIC_NAMES = {
  deadLettered: 'RecordsDeadLettered',
  consumerLag: 'ConsumerLag',
  throttles: 'Throttles',
} as const;

const PERIOD = Duration.minutes(5);

/** One series over every function: a Metrics Insights aggregate of a Tributary metric by service. */
export function acrossServices(metric: string, fn: 'SUM' | 'MAX', label: string, period = PERIOD): MathExpression {
  return new MathExpression({
    expression: `SELECT ${fn}(${metric}) FROM SCHEMA(${METRICS_NAMESPACE}, service)`,
    label,
    period,
  });
}

/** The dashboard and alarms of one deployment. */
export class TributaryObservability extends Construct {
  readonly dashboard: Dashboard;
  readonly deadLetterAlarm: Alarm;
  readonly consumerLagAlarm: Alarm;
  readonly throttleAlarm: Alarm;
  readonly serverErrorAlarm: Alarm;
  /** One per `watchedGroups` entry, in order. */
  readonly watchedGroupAlarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: TributaryObservabilityProps) {
    super(scope, id);
    const lagThreshold = props.consumerLagThreshold ?? 10_000;
    const serverErrors = props.serverErrorThreshold ?? 1;
    if (!(lagThreshold > 0)) throw new Error('TributaryObservability: consumerLagThreshold must be positive');
    if (!(serverErrors >= 1)) throw new Error('TributaryObservability: serverErrorThreshold must be at least 1');
    const api = props.restApi;

    this.deadLetterAlarm = this.alarm('DeadLetterArrivals', {
      metric: acrossServices(METRIC_NAMES.deadLettered, 'SUM', 'Records dead-lettered'),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: 'Records moved to the dead-letter table (a nack past maxDeliveryAttempts). List them with GET /v1/topics/{topic}/dead-letters.',
    }, props);
    this.consumerLagAlarm = this.alarm('ConsumerLag', {
      metric: acrossServices(METRIC_NAMES.consumerLag, 'MAX', 'Largest consumer lag'),
      threshold: lagThreshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // Sampled by polls: no data means no group polled; keep the last verdict.
      treatMissingData: TreatMissingData.IGNORE,
      alarmDescription: `A consumer group is more than ${lagThreshold} records behind (sampled when it polls; GET /v1/groups/{group}?topic=T shows which partitions).`,
    }, props);
    this.throttleAlarm = this.alarm('Throttles', {
      metric: acrossServices(METRIC_NAMES.throttles, 'SUM', 'Throttled store requests'),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: 'DynamoDB or S3 throttled requests (each attempt; after the SDK retries they become 429 THROTTLED).',
    }, props);
    this.serverErrorAlarm = this.alarm('ApiServerErrors', {
      metric: api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
      threshold: serverErrors,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: 'The API answered 5xx: 500 INTERNAL (a bug) or 503 UNAVAILABLE (store failures, timeouts).',
    }, props);
    this.watchedGroupAlarms = (props.watchedGroups ?? []).map((watched, i) =>
      this.alarm(`WatchedGroup${i}`, {
        metric: new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: METRIC_NAMES.consumerLag,
          dimensionsMap: { service: serviceName('groups'), group: watched.group, topic: watched.topic },
          statistic: 'Maximum',
          period: PERIOD,
        }),
        threshold: lagThreshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        // This group should always poll: silence means it stopped.
        treatMissingData: TreatMissingData.BREACHING,
        alarmDescription: `Group '${watched.group}' on topic '${watched.topic}' is more than ${lagThreshold} records behind, or stopped polling.`,
      }, props),
    );

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Tributary\nAPI, functions, records and store. Tributary metrics: namespace \`${METRICS_NAMESPACE}\`, dimension \`service\` (one per function); consumer lag also by \`group\` and \`topic\`.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({
        title: 'Alarms',
        alarms: [this.deadLetterAlarm, this.consumerLagAlarm, this.throttleAlarm, this.serverErrorAlarm, ...this.watchedGroupAlarms],
        width: 24,
        height: 3,
      }),
    );
    this.dashboard.addWidgets(...this.apiWidgets(api));
    this.dashboard.addWidgets(...this.functionWidgets(props.functions));
    this.dashboard.addWidgets(...this.recordWidgets(lagThreshold));
    this.dashboard.addWidgets(...this.storeWidgets(props.tables));
  }

  private alarm(
    id: string,
    props: Omit<AlarmProps, 'evaluationPeriods'>,
    construct: TributaryObservabilityProps,
  ): Alarm {
    const alarm = new Alarm(this, id, { evaluationPeriods: 1, ...props });
    for (const action of construct.alarmActions ?? []) alarm.addAlarmAction(action);
    return alarm;
  }

  private apiWidgets(api: RestApi): GraphWidget[] {
    const sum = { period: Duration.minutes(1), statistic: 'Sum' };
    return [
      new GraphWidget({
        title: 'API requests and errors',
        left: [api.metricCount({ ...sum, label: 'Requests' })],
        right: [api.metricClientError({ ...sum, label: '4xx' }), api.metricServerError({ ...sum, label: '5xx' })],
        width: 12,
      }),
      new GraphWidget({
        title: 'API latency (ms)',
        left: ['p50', 'p99'].map((statistic) => api.metricLatency({ period: Duration.minutes(1), statistic, label: `Latency ${statistic}` })),
        right: [api.metricIntegrationLatency({ period: Duration.minutes(1), statistic: 'p99', label: 'Integration p99' })],
        width: 12,
      }),
    ];
  }

  private functionWidgets(functions: Readonly<Record<FunctionName, IFunction>>): GraphWidget[] {
    const each = (metric: (fn: IFunction, name: FunctionName) => IMetric) => FUNCTION_NAMES.map((name) => metric(functions[name], name));
    const sum = { period: Duration.minutes(1), statistic: 'Sum' };
    return [
      new GraphWidget({ title: 'Function errors', left: each((fn, name) => fn.metricErrors({ ...sum, label: name })), width: 8 }),
      new GraphWidget({ title: 'Function throttles', left: each((fn, name) => fn.metricThrottles({ ...sum, label: name })), width: 8 }),
      new GraphWidget({
        title: 'Function duration p99 (ms)',
        left: each((fn, name) => fn.metricDuration({ period: Duration.minutes(1), statistic: 'p99', label: name })),
        width: 8,
      }),
    ];
  }

  private recordWidgets(lagThreshold: number): GraphWidget[] {
    const minute = Duration.minutes(1);
    const total = (metric: string, label: string) => acrossServices(metric, 'SUM', label, minute);
    return [
      new GraphWidget({
        title: 'Records produced, polled, dead-lettered',
        left: [total('RecordsProduced', 'Produced'), total('RecordsPolled', 'Polled (poll and fetch)')],
        right: [total(METRIC_NAMES.deadLettered, 'Dead-lettered')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Bytes produced and polled',
        left: [total('BytesProduced', 'Produced'), total('BytesPolled', 'Polled')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Consumer lag by group and topic',
        left: [
          new MathExpression({
            expression: `SELECT MAX(${METRIC_NAMES.consumerLag}) FROM SCHEMA(${METRICS_NAMESPACE}, "group", service, topic) GROUP BY "group", topic`,
            label: 'Lag',
            period: minute,
          }),
        ],
        leftAnnotations: [{ value: lagThreshold, label: 'Alarm threshold' }],
        width: 8,
      }),
    ];
  }

  private storeWidgets(tables: Readonly<Record<TableName, Table>>): GraphWidget[] {
    const minute = Duration.minutes(1);
    const events = TABLE_NAMES.flatMap((name) =>
      ['ReadThrottleEvents', 'WriteThrottleEvents'].map((metricName) =>
        tables[name].metric(metricName, { period: minute, statistic: 'Sum', label: `${name} ${metricName.replace('ThrottleEvents', '').toLowerCase()}` }),
      ),
    );
    return [
      new GraphWidget({
        title: 'Store throttles and conflicts (Tributary)',
        left: [acrossServices(METRIC_NAMES.throttles, 'SUM', 'Throttled attempts', minute)],
        right: [acrossServices('ConditionalWriteConflicts', 'SUM', 'Append conflicts', minute)],
        width: 12,
      }),
      new GraphWidget({ title: 'DynamoDB throttle events by table', left: events, width: 12 }),
    ];
  }
}
