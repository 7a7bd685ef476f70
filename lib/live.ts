/**
 * Live notifications on AWS: an API Gateway WebSocket API (routes
 * `$connect`, `$disconnect`, `watch`, `unwatch`, `ping`, `$default`, one
 * Lambda function behind them), its stage, and the grant that lets the
 * stream dispatcher post notifications to connections
 * (`execute-api:ManageConnections` on this API's stage only). The
 * connections table is one of the stack's tables (`TABLE_DEFINITIONS`).
 *
 * Leave the construct out (context `tributary:liveNotifications=false`)
 * where API Gateway v2 is not served (LocalStack's free tiers): clients then
 * fall back to long polls.
 */
import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { LogGroupLogDestination, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing, type Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LIVE_ENDPOINT_ENV, TABLE_ENV } from '../lambdas/config';
import { METRICS_NAMESPACE } from '../lambdas/core/metrics';
import { LIVE_FUNCTION, LIVE_ROUTE_KEYS, LIVE_TWO_WAY_ROUTES } from '../lambdas/http/live-routes';
import { BUNDLING, REPO_ROOT } from './functions';
import type { TableName } from './tables';

/** Properties of {@link TributaryLive}. */
export interface TributaryLiveProps {
  /** The stack's tables; the function gets `LIVE_FUNCTION.tables` of them. */
  readonly tables: Readonly<Record<TableName, Table>>;
  /**
   * Stage name of the WebSocket API.
   * @default 'live'
   */
  readonly stageName?: string;
  /**
   * Steady message rate limit of the stage, per second.
   * @default 500
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst limit of the stage.
   * @default 1000
   */
  readonly throttlingBurstLimit?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default false */
  readonly tracing?: boolean;
  /** Extra environment of the function. @default none */
  readonly environment?: Readonly<Record<string, string>>;
}

/** The WebSocket API, its stage and function. */
export class TributaryLive extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  /** The function behind every route. */
  readonly function: NodejsFunction;
  readonly role: Role;
  /** `wss://…/{stage}`: what clients connect to (stack output `LiveUrl`). */
  readonly url: string;
  /** `https://…/{stage}`: the `@connections` endpoint notifications are posted to. */
  readonly callbackUrl: string;

  constructor(scope: Construct, id: string, private readonly props: TributaryLiveProps) {
    super(scope, id);
    this.role = new Role(this, 'FunctionRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Tributary live: its log group and the access LIVE_FUNCTION declares',
    });
    this.function = this.createFunction();
    this.api = new WebSocketApi(this, 'Api', {
      description: 'Tributary live notifications (API.md, "Live notifications (WebSocket)")',
      routeSelectionExpression: '$request.body.action',
    });
    const integration = new WebSocketLambdaIntegration('Handler', this.function);
    for (const routeKey of LIVE_ROUTE_KEYS) {
      this.api.addRoute(routeKey, { integration, returnResponse: LIVE_TWO_WAY_ROUTES.includes(routeKey) });
    }
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName ?? 'live',
      autoDeploy: true,
      throttle: { rateLimit: props.throttlingRateLimit ?? 500, burstLimit: props.throttlingBurstLimit ?? 1000 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });
    this.url = this.stage.url;
    this.callbackUrl = this.stage.callbackUrl;
  }

  private createFunction(): NodejsFunction {
    const spec = LIVE_FUNCTION;
    const logGroup = new LogGroup(this, 'FunctionLogs', {
      retention: this.props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: this.props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const environment: Record<string, string> = {
      ...this.props.environment,
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'tributary-live',
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_TRACE_ENABLED: String(this.props.tracing ?? false),
    };
    const access = Object.entries(spec.tables) as [TableName, 'read' | 'readwrite'][];
    for (const [table] of access) environment[TABLE_ENV[table]] = this.props.tables[table].tableName;
    const fn = new NodejsFunction(this, 'Function', {
      description: `Tributary live (${spec.entry})`,
      entry: path.join(REPO_ROOT, spec.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      bundling: BUNDLING,
      environment,
      logGroup,
      role: this.role,
      tracing: this.props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
    });
    logGroup.grantWrite(this.role);
    for (const [table, mode] of access) {
      if (mode === 'readwrite') this.props.tables[table].grantReadWriteData(this.role);
      else this.props.tables[table].grantReadData(this.role);
    }
    return fn;
  }

  /** The ARN covering `POST @connections/{id}` on this API's stage, and nothing else. */
  get postToConnectionArn(): string {
    return Stack.of(this).formatArn({
      service: 'execute-api',
      resource: this.api.apiId,
      resourceName: `${this.stage.stageName}/POST/@connections/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /**
   * Lets a function (the stream dispatcher) send live notifications: the
   * connections table read-write, `execute-api:ManageConnections` on
   * {@link postToConnectionArn} only, and `TRIBUTARY_LIVE_ENDPOINT` =
   * {@link callbackUrl}, `TRIBUTARY_CONNECTIONS_TABLE` in its environment.
   */
  grantNotify(fn: LambdaFunction, role: IRole): PolicyStatement {
    this.props.tables.connections.grantReadWriteData(role);
    const statement = new PolicyStatement({ actions: ['execute-api:ManageConnections'], resources: [this.postToConnectionArn] });
    role.addToPrincipalPolicy(statement);
    fn.addEnvironment(LIVE_ENDPOINT_ENV, this.callbackUrl);
    fn.addEnvironment(TABLE_ENV.connections, this.props.tables.connections.tableName);
    return statement;
  }
}
