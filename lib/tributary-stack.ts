/**
 * The whole service in one stack: DynamoDB tables, the segment bucket (and
 * its access-log bucket), one Lambda function per handler, the schedules of
 * the scheduled functions, the REST API in front of them, and a CloudWatch
 * dashboard with alarms.
 */
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Rule } from 'aws-cdk-lib/aws-events';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ROUTES, type HandlerName } from '../lambdas/http/routes';
import type { AuthMode } from '../lambdas/config';
import { TABLE_DEFINITIONS } from '../lambdas/store/tables';
import { TributaryApi } from './api';
import { ACCESS_LOG_EXPIRATION, SegmentBucket } from './bucket';
import { TributaryFunctions, type FunctionName } from './functions';
import { acknowledgeNagFindings } from './nag';
import { TributaryObservability, type WatchedGroup } from './observability';
import { FunctionSchedules } from './schedules';
import { PushDelivery, sweepRuleName } from './push-delivery';
import { serviceName } from './functions';
import { SUBSCRIPTION_FUNCTION_ARNS_ENV } from '../lambdas/config';
import { TributaryLive } from './live';
import { pascalCase, TABLE_NAMES, TributaryTables, type TableName } from './tables';

/** Properties of {@link TributaryStack}. */
export interface TributaryStackProps extends StackProps {
  /**
   * What happens to the data (tables, bucket) and the log groups when they
   * leave the stack. `RETAIN` (the default) keeps them when the stack is
   * deleted and turns on table deletion protection: right for any stack
   * holding real messages. `DESTROY` deletes them with the stack, emptying
   * the bucket first: for dev and LocalStack stacks. Only these two are
   * accepted (DynamoDB and S3 have no snapshot-on-delete).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * API Gateway stage name (the API's own paths start with `/v1`).
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Stage-wide steady request rate limit, per second.
   * @default 1000
   */
  readonly throttlingRateLimit?: number;
  /**
   * Stage-wide burst limit, requests.
   * @default 2000
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Access logs of the stage. Needs the account's API Gateway CloudWatch
   * role; see `apiGatewayCloudWatchRole`.
   * @default true
   */
  readonly accessLogging?: boolean;
  /**
   * Execution logs of the stage at level ERROR (never request or response
   * bodies). Needs the same account CloudWatch role as access logging.
   * @default true
   */
  readonly executionLogging?: boolean;
  /**
   * ARN of an existing regional WAFv2 web ACL to associate with the stage.
   * @default no web ACL (the stage is throttled and every method needs a token)
   */
  readonly webAclArn?: string;
  /**
   * How often the retention archiver runs, in whole minutes.
   * @default FUNCTIONS.archiver.scheduleMinutes
   */
  readonly archiveIntervalMinutes?: number;
  /**
   * Create the account-wide API Gateway CloudWatch role and set it in the
   * account's API Gateway settings, which access and execution logging need
   * (an account that never used API Gateway logging has none, and the deploy
   * would fail). Retained when the stack is deleted. Turn it off when the
   * account's settings are managed elsewhere.
   * @default true when access or execution logging is on
   */
  readonly apiGatewayCloudWatchRole?: boolean;
  /**
   * Who checks bearer tokens: `authorizer`, the API Gateway REQUEST
   * authorizer (cached 60 s); or `function`, no API Gateway authorizer and
   * every route function checks the token itself, with the same 60 s bound
   * and errors (LocalStack, whose free REST API chain has no Lambda
   * authorizers). The authorizer function is deployed in both modes.
   * @default 'authorizer'
   */
  readonly authMode?: AuthMode;
  /**
   * Active X-Ray tracing on the API stage and the functions.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Consumer lag (records) over which the lag alarms fire.
   * @default 10000
   */
  readonly consumerLagThreshold?: number;
  /**
   * Consumer groups that should always be consuming a topic: each gets an
   * alarm that also fires when the group stops polling.
   * @default none
   */
  readonly watchedGroups?: readonly WatchedGroup[];
  /**
   * ARN of an existing SNS topic the alarms notify. The stack creates no
   * topic: who is told, and how the topic is encrypted, is the account's
   * choice.
   * @default none: the alarms show on the dashboard and in the console
   */
  readonly alarmTopicArn?: string;
  /**
   * Retention of the function and access log groups.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Extra environment variables for every function (for example
   * `TRIBUTARY_S3_FORCE_PATH_STYLE=1` on LocalStack).
   * @default none
   */
  readonly functionEnvironment?: Readonly<Record<string, string>>;
  /**
   * ARN patterns (`*` wildcards) of Lambda functions push subscriptions may
   * target; the dispatcher may invoke these and nothing else.
   * @default none: no function may be a target
   */
  readonly subscriptionFunctionArns?: readonly string[];
  /**
   * Live notifications: an API Gateway WebSocket API (lib/live.ts). Turn it
   * off where API Gateway v2 is not served (LocalStack's free tiers);
   * clients then fall back to long polls.
   * @default true
   */
  readonly liveNotifications?: boolean;
}

/** Tributary: API Gateway (REST) → Lambda → DynamoDB + S3. */
export class TributaryStack extends Stack {
  /** The DynamoDB tables by logical name. */
  readonly tables: Readonly<Record<TableName, Table>>;
  /** The segment and spill bucket. */
  readonly bucket: Bucket;
  /** The bucket receiving the segment bucket's server access logs. */
  readonly accessLogsBucket: Bucket;
  /** The Lambda functions by name (route handlers, `authorizer`, `archiver`). */
  readonly functions: Readonly<Record<FunctionName, NodejsFunction>>;
  /** The execution role of each function. */
  readonly roles: Readonly<Record<FunctionName, Role>>;
  /** The EventBridge rule of each scheduled function. */
  readonly schedules: Readonly<Partial<Record<FunctionName, Rule>>>;
  /** The REST API. */
  readonly api: TributaryApi;
  /** The CloudWatch dashboard and alarms. */
  readonly observability: TributaryObservability;
  /** The log stream's event source mapping to the dispatcher, its on-failure queue and alarms. */
  readonly pushDelivery: PushDelivery;
  /** Live notifications (WebSocket API), unless `liveNotifications` is false. */
  readonly live: TributaryLive | undefined;

  constructor(scope: Construct, id: string, props: TributaryStackProps = {}) {
    super(scope, id, {
      description: 'Tributary: a serverless Kafka-like message queue (API Gateway, Lambda, DynamoDB, S3).',
      ...props,
    });
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (removalPolicy !== RemovalPolicy.RETAIN && removalPolicy !== RemovalPolicy.DESTROY) {
      throw new Error(`TributaryStack: removalPolicy must be RETAIN or DESTROY, got ${removalPolicy}`);
    }

    this.tables = new TributaryTables(this, 'Tables', { removalPolicy }).tables;
    const buckets = new SegmentBucket(this, 'Segments', { removalPolicy });
    this.bucket = buckets.bucket;
    this.accessLogsBucket = buckets.accessLogsBucket;
    const functions = new TributaryFunctions(this, 'Functions', {
      tables: this.tables,
      bucket: this.bucket,
      removalPolicy,
      logRetention: props.logRetention,
      tracing: props.tracing,
      authMode: props.authMode,
      environment: {
        ...props.functionEnvironment,
        ...(props.subscriptionFunctionArns?.length ? { [SUBSCRIPTION_FUNCTION_ARNS_ENV]: props.subscriptionFunctionArns.join(',') } : {}),
      },
    });
    this.functions = functions.functions;
    this.roles = functions.roles;
    const retrySweepRule = sweepRuleName(this.stackName);
    this.schedules = new FunctionSchedules(this, 'Schedules', {
      functions: this.functions,
      intervalMinutes: { archiver: props.archiveIntervalMinutes },
      dependsOn: functions.selfInvokePolicies,
      ruleNames: { dispatcher: retrySweepRule },
    }).rules;

    this.pushDelivery = new PushDelivery(this, 'PushDelivery', {
      dispatcher: this.functions.dispatcher,
      subscriptions: this.functions.subscriptions,
      sweepRuleName: retrySweepRule,
      logTable: this.tables.log,
      subscriptionFunctionArns: props.subscriptionFunctionArns,
      removalPolicy,
      serviceName: serviceName('dispatcher'),
    });

    const handlers = Object.fromEntries(ROUTES.map((route) => [route.handler, this.functions[route.handler]]));
    this.api = new TributaryApi(this, 'Api', {
      handlers: handlers as Record<HandlerName, NodejsFunction>,
      authorizer: props.authMode === 'function' ? undefined : this.functions.authorizer,
      console: this.functions.console,
      removalPolicy,
      stageName: props.stageName,
      throttlingRateLimit: props.throttlingRateLimit,
      throttlingBurstLimit: props.throttlingBurstLimit,
      accessLogging: props.accessLogging,
      executionLogging: props.executionLogging,
      webAclArn: props.webAclArn,
      cloudWatchRole: props.apiGatewayCloudWatchRole,
      tracing: props.tracing,
      logRetention: props.logRetention,
    });

    const alarmActions = props.alarmTopicArn ? [new SnsAction(Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn))] : undefined;
    this.live =
      props.liveNotifications === false
        ? undefined
        : new TributaryLive(this, 'Live', {
            tables: this.tables,
            removalPolicy,
            logRetention: props.logRetention,
            tracing: props.tracing,
            environment: props.functionEnvironment,
          });
    // The stream dispatcher is the live notifications' second listener: it posts through @connections.
    this.live?.grantNotify(this.functions.dispatcher, this.roles.dispatcher);

    this.observability = new TributaryObservability(this, 'Observability', {
      functions: this.functions,
      restApi: this.api.restApi,
      tables: this.tables,
      consumerLagThreshold: props.consumerLagThreshold,
      watchedGroups: props.watchedGroups,
      alarmActions,
    });
    for (const alarm of [this.pushDelivery.failedDispatchAlarm, this.pushDelivery.failingAlarm, this.pushDelivery.disabledAlarm]) {
      if (alarmActions) alarm.addAlarmAction(...alarmActions);
    }

    acknowledgeNagFindings({
      functions,
      buckets,
      api: this.api,
      accessLogging: props.accessLogging ?? true,
      executionLogging: props.executionLogging ?? true,
      webAcl: Boolean(props.webAclArn),
      cloudWatchRole: props.apiGatewayCloudWatchRole ?? ((props.accessLogging ?? true) || (props.executionLogging ?? true)),
      tracing: props.tracing ?? false,
      functionSideAuth: props.authMode === 'function',
      pushDelivery: this.pushDelivery,
      subscriptionFunctionArns: props.subscriptionFunctionArns ?? [],
      live: this.live,
    });

    new CfnOutput(this, 'ApiUrl', {
      value: this.api.url,
      description: 'Base URL of the API; routes are under v1/ (e.g. <ApiUrl>v1/topics).',
    });
    if (this.live) {
      new CfnOutput(this, 'LiveUrl', {
        value: this.live.url,
        description: 'WebSocket URL of live notifications (API.md, "Live notifications"); token in Authorization or ?token=.',
      });
    }
    for (const name of TABLE_NAMES) {
      new CfnOutput(this, `${pascalCase(name)}TableName`, {
        value: this.tables[name].tableName,
        description: TABLE_DEFINITIONS[name].purpose,
      });
    }
    new CfnOutput(this, 'DashboardName', {
      value: this.observability.dashboard.dashboardName,
      description: 'The CloudWatch dashboard: API, functions, records, consumer lag, store throttles, alarms.',
    });
    new CfnOutput(this, 'BucketName', {
      value: this.bucket.bucketName,
      description: 'Archived log segments and large produce batches.',
    });
    new CfnOutput(this, 'AccessLogsBucketName', {
      value: this.accessLogsBucket.bucketName,
      description: `S3 server access logs of the segment bucket (kept ${ACCESS_LOG_EXPIRATION.toDays()} days).`,
    });
  }
}

