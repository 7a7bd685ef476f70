/**
 * The REST API (API Gateway v1), built from the route table `ROUTES`
 * (`lambdas/http/routes.ts`), the same table the local server dispatches on.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  Method,
  MethodLoggingLevel,
  RequestAuthorizer,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { TOKEN_CACHE_TTL_MS } from '../lambdas/core/auth';
import { ROUTES, type HandlerName } from '../lambdas/http/routes';
import { addGatewayErrorResponses } from './gateway-responses';

/** How long API Gateway caches an authorizer decision: a revoked token is refused within this. */
export const AUTHORIZER_CACHE_TTL = Duration.millis(TOKEN_CACHE_TTL_MS);

/** Properties of {@link TributaryApi}. */
export interface TributaryApiProps {
  /** The function serving each handler named in `ROUTES`. */
  readonly handlers: Readonly<Record<HandlerName, IFunction>>;
  /**
   * The token authorizer (REQUEST type, identity source: the `Authorization`
   * header). Undefined in function-side auth mode: the methods then have no
   * authorizer and the functions check the token themselves
   * (`TRIBUTARY_AUTH_MODE=function`, see lambdas/http/middleware.ts).
   */
  readonly authorizer: IFunction | undefined;
  /**
   * Serves the web console's static files at `/console` and
   * `/console/{proxy+}` (GET, no authorizer: the files are public).
   * @default no console
   */
  readonly console?: IFunction;
  /**
   * The stage name. The paths already start with `/v1`, so the stage is not
   * a version: URLs look like `https://…/prod/v1/topics`.
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Steady-state request rate limit of the stage, requests per second.
   * @default 1000
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst limit of the stage, requests.
   * @default 2000
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Write access logs (JSON, standard fields) to a log group. API Gateway
   * needs the account's CloudWatch role for this (see `cloudWatchRole`).
   * @default true
   */
  readonly accessLogging?: boolean;
  /**
   * Execution logs at level ERROR: authorizer and integration failures, with
   * no request or response bodies (`dataTraceEnabled` stays off), in the log
   * group API Gateway names `API-Gateway-Execution-Logs_<api id>/<stage>`,
   * created here with `logRetention`. Needs the same account CloudWatch role
   * as access logging.
   * @default true
   */
  readonly executionLogging?: boolean;
  /**
   * ARN of an existing regional AWS WAFv2 web ACL to associate with the stage.
   * @default no web ACL
   */
  readonly webAclArn?: string;
  /**
   * Create the account-wide API Gateway CloudWatch role and point the
   * account's API Gateway settings at it (AWS::ApiGateway::Account). Access
   * and execution logging cannot deploy in an account whose settings name no
   * role ("CloudWatch Logs role ARN must be set in account settings"), which
   * is every account that has never used API Gateway logging. The role and
   * the setting are retained when the stack is deleted, so other APIs of the
   * account that log keep working.
   * @default true when access or execution logging is on, else false
   */
  readonly cloudWatchRole?: boolean;
  /**
   * X-Ray tracing on the stage.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Retention of the access log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Removal policy of the access log group.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A regional REST API with one method per route, each a Lambda proxy
 * integration of the route's handler function, all behind one token
 * authorizer whose decisions are cached for {@link AUTHORIZER_CACHE_TTL}.
 * Gateway errors answer in the API's error format (see gateway-responses.ts).
 *
 * The authorizer cache is keyed by the `Authorization` header alone, so the
 * policy an authorizer returns is reused for every route: it must allow the
 * whole API (e.g. `arn:…:execute-api:…:<api>/<stage>/*`), not just the method
 * that was called; per-topic permissions are checked by the handlers.
 */
export class TributaryApi extends Construct {
  /** The REST API. */
  readonly restApi: RestApi;
  /** The stage's base URL, ending in `/` (append `v1/topics`…). */
  readonly url: string;
  /** The console's GET methods (without authorizer), when there is a console. */
  readonly consoleMethods: readonly Method[];

  constructor(scope: Construct, id: string, props: TributaryApiProps) {
    super(scope, id);
    const accessLogging = props.accessLogging ?? true;
    const executionLogging = props.executionLogging ?? true;
    const stageName = props.stageName ?? 'prod';
    const logGroupProps = {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    };
    const cloudWatchRole = props.cloudWatchRole ?? (accessLogging || executionLogging);
    const accessLogs = accessLogging ? new LogGroup(this, 'AccessLogs', logGroupProps) : undefined;

    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: Stack.of(this).stackName,
      description: 'Tributary: a serverless Kafka-like message queue (HTTP API v1).',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole,
      ...(cloudWatchRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      deployOptions: {
        stageName,
        throttlingRateLimit: props.throttlingRateLimit ?? 1000,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 2000,
        metricsEnabled: true,
        ...(executionLogging ? { loggingLevel: MethodLoggingLevel.ERROR, dataTraceEnabled: false } : {}),
        tracingEnabled: props.tracing ?? false,
        ...(accessLogs
          ? {
              accessLogDestination: new LogGroupLogDestination(accessLogs),
              accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
            }
          : {}),
      },
    });

    const authorizer = props.authorizer
      ? new RequestAuthorizer(this, 'TokenAuthorizer', {
          handler: props.authorizer,
          identitySources: [IdentitySource.header('Authorization')],
          resultsCacheTtl: AUTHORIZER_CACHE_TTL,
        })
      : undefined;

    // One integration per handler; its invoke permissions are scoped to each method's ARN.
    const integrations = new Map<HandlerName, LambdaIntegration>();
    for (const route of ROUTES) {
      let integration = integrations.get(route.handler);
      if (!integration) {
        integration = new LambdaIntegration(props.handlers[route.handler], { proxy: true, allowTestInvoke: false });
        integrations.set(route.handler, integration);
      }
      this.restApi.root.resourceForPath(route.path).addMethod(route.method, integration, {
        operationName: route.operation,
        ...(authorizer
          ? { authorizer, authorizationType: AuthorizationType.CUSTOM }
          : { authorizationType: AuthorizationType.NONE }),
      });
    }

    const consoleMethods: Method[] = [];
    if (props.console) {
      const files = new LambdaIntegration(props.console, { proxy: true, allowTestInvoke: false });
      const root = this.restApi.root.resourceForPath('/console');
      for (const resource of [root, root.addResource('{proxy+}')]) {
        consoleMethods.push(resource.addMethod('GET', files, { operationName: 'getConsole', authorizationType: AuthorizationType.NONE }));
      }
    }
    this.consoleMethods = consoleMethods;

    addGatewayErrorResponses(this.restApi);
    if (executionLogging) {
      // API Gateway writes execution logs to this group, and would create it
      // with no expiry; created here first, it keeps logRetention.
      const executionLogs = new LogGroup(this, 'ExecutionLogs', {
        ...logGroupProps,
        logGroupName: `API-Gateway-Execution-Logs_${this.restApi.restApiId}/${stageName}`,
      });
      this.restApi.deploymentStage.node.addDependency(executionLogs);
    }
    if (props.webAclArn) {
      new CfnWebACLAssociation(this, 'WebAcl', {
        resourceArn: this.restApi.deploymentStage.stageArn,
        webAclArn: props.webAclArn,
      });
    }
    this.url = this.restApi.url;
  }
}
