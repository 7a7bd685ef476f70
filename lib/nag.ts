/**
 * The cdk-nag (AwsSolutions pack) findings this stack accepts, each written
 * down once with its reason. The others are fixed in the constructs:
 *   S1    the segment bucket logs to an access-log bucket (bucket.ts), which
 *         passes as a log destination itself;
 *   IAM4  each function has its own role, with no AWSLambdaBasicExecutionRole
 *         but a statement for its own log group (functions.ts);
 *   IAM5  exact S3 actions (`S3_ACTIONS`) instead of `s3:GetObject*`,
 *         `s3:List*`, `s3:DeleteObject*`, `s3:Abort*`; only the object ARN
 *         wildcard is left, acknowledged below;
 *   APIG1, APIG6  access logs and ERROR-level execution logs, on by default.
 * `test/cdk/nag.cdk.test.ts` fails on any finding not acknowledged here, and
 * on any acknowledgement that no longer matches a finding.
 *
 * cdk-nag 3 runs as a CDK validation plugin (`Validations.of(app)
 * .addPlugins(new AwsSolutionsChecks(app))`, see `bin/app.ts`); an
 * acknowledgement is `Validations.of(construct).acknowledge({ id, reason })`
 * and covers the construct and everything below it. Rules reporting several
 * findings per resource (IAM4, IAM5) are acknowledged per finding, e.g.
 * `AwsSolutions-IAM5[Resource::<Bucket.Arn>/*]`, never wholesale.
 */
import { Stack, Token, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { FUNCTIONS } from '../lambdas/http/routes';
import type { TributaryApi } from './api';
import type { TributaryLive } from './live';
import type { SegmentBucket } from './bucket';
import type { PushDelivery } from './push-delivery';
import { FUNCTION_NAMES, type TributaryFunctions } from './functions';

/** What the acknowledgements depend on: the constructs, and the settings that turn checks on or off. */
export interface NagScope {
  readonly functions: TributaryFunctions;
  readonly buckets: SegmentBucket;
  readonly api: TributaryApi;
  /** Stage access logs are on. */
  readonly accessLogging: boolean;
  /** Stage execution logs are on. */
  readonly executionLogging: boolean;
  /** A WAF web ACL is associated with the stage. */
  readonly webAcl: boolean;
  /** The stack creates the account's API Gateway CloudWatch role. */
  readonly cloudWatchRole: boolean;
  /** X-Ray tracing is on. */
  readonly tracing: boolean;
  /** Function-side auth mode: the methods have no API Gateway authorizer. */
  readonly functionSideAuth?: boolean;
  /** The log stream's event source mapping and its on-failure queue. */
  readonly pushDelivery: PushDelivery;
  /** ARN patterns of functions push subscriptions may invoke. */
  readonly subscriptionFunctionArns: readonly string[];
  /** The live-notification WebSocket API, when the stack has it. */
  readonly live?: TributaryLive | undefined;
}

/** The reasons, by rule: what an auditor reads in the validation report and the template metadata. */
export const NAG_REASONS = {
  objectWildcard:
    'Object-level actions (s3:GetObject, s3:PutObject, s3:DeleteObject) need an object ARN; segment and spilled-batch keys (segments/…, batches/…) are generated per topic, partition and offset, so the resource is <bucket>/*. No bucket-level action (list, ACL, policy, configuration) is granted.',
  runtime:
    'Node.js 22 is a maintained LTS Lambda runtime and the newest one LocalStack (the local deployment target, free plan) runs; the bundles target node22. Move to nodejs24.x when LocalStack serves it.',
  xray:
    'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions; the statement is added by CDK only when tracing is turned on.',
  requestValidation:
    'Every handler validates path, query and body with the zod schemas shared with the local server, and answers 400 INVALID_REQUEST naming the field; an API Gateway model would duplicate those schemas in JSON Schema and drift. Path parameters always exist when a route matches, and the Authorization header is the authorizer identity source (missing means 401 before any Lambda runs).',
  cognito:
    'Clients authenticate with Tributary bearer tokens carrying per-topic permissions, checked by the Lambda REQUEST authorizer against the tokens table (decisions cached 60 s); there are no end users, so no Cognito user pool, by design. Every /v1 method has the authorizer (AwsSolutions-APIG4 holds); only the static console files under /console are public.',
  consoleNoAuth:
    'The web console is static files (HTML, script, stylesheet) with nothing secret in them; a browser cannot send a bearer token when it loads a page. The console asks for a token and sends it to the /v1 routes, which all have the authorizer.',
  waf:
    'A web ACL is optional per deployment (it costs per request and per rule): set tributary:webAclArn to associate one. Without it the stage is still throttled (rate and burst limits) and every method requires a token.',
  accessLogsOff:
    'Access logging was turned off for this deployment with tributary:accessLogging=false (e.g. an account without the API Gateway CloudWatch role); it is on by default.',
  executionLogsOff:
    'Execution logging was turned off for this deployment with tributary:executionLogging=false (e.g. an account without the API Gateway CloudWatch role); it is on by default at level ERROR.',
  cloudWatchRoleManagedPolicy:
    'The account-wide API Gateway CloudWatch role (created while access or execution logging is on, unless tributary:apiGatewayCloudWatchRole=false) serves every API in the account and region; AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for it.',
  functionSideAuth:
    'Function-side auth mode (tributary:authMode=function, for LocalStack, whose free REST API chain runs no Lambda authorizer): every method is served by a function that checks the bearer token against the tokens table itself (same tokens, same 60 s revocation bound, 401/403 as with the authorizer) before anything else.',
  listStreams:
    'dynamodb:ListStreams has no resource-level permission; the event source mapping needs it to find the log table\'s stream (CDK\'s DynamoEventSource grant). The stream read actions themselves are limited to the log table\'s stream ARN.',
  onFailureQueue:
    'This queue is itself the on-failure destination (a dead-letter queue) of the log stream\'s event source mapping; a dead-letter queue of a dead-letter queue would only move the same messages. An alarm fires when it holds any.',
  subscriptionFunctions:
    'The operator allowed push subscriptions to invoke the functions matching these ARN patterns (context tributary:subscriptionFunctionArns); lambda:InvokeFunction is granted on exactly those patterns and nothing else.',
  liveConnections:
    'PostToConnection on this WebSocket API\'s stage only (execute-api:ManageConnections on {api}/{stage}/POST/@connections/*): connection ids are made at connect time, so the policy cannot name them in advance.',
  liveAuthorization:
    'API Gateway runs WebSocket authorizers only on $connect, and an authorizer needs one identity source, while browsers send the token as ?token= and other clients as Authorization. So the $connect function checks the token itself with the REST authorizer\'s auth core (lambdas/core/auth.ts) and refuses the upgrade with 401; every later message belongs to an admitted connection, and watch checks the token again (revocation) and its consume permission on the topic.',
} as const;

/** IAM4 finding id of an AWS managed policy. */
function managedPolicy(name: string): string {
  return `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`;
}

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** Acknowledges the accepted findings on the constructs they concern (and nowhere broader). */
export function acknowledgeNagFindings(scope: NagScope): void {
  const { functions, buckets, api } = scope;
  const stack = Stack.of(buckets.bucket);
  const bucketId = stack.getLogicalId(buckets.bucket.node.defaultChild as CfnElement);
  for (const name of FUNCTION_NAMES) {
    const role = functions.roles[name];
    if (FUNCTIONS[name].bucket) acknowledge(role, `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`, NAG_REASONS.objectWildcard);
    if (scope.tracing) acknowledge(role, 'AwsSolutions-IAM5[Resource::*]', NAG_REASONS.xray);
    acknowledge(functions.functions[name], 'AwsSolutions-L1', NAG_REASONS.runtime);
  }

  const dispatcherRole = functions.roles.dispatcher;
  if (!scope.tracing) acknowledge(dispatcherRole, 'AwsSolutions-IAM5[Resource::*]', NAG_REASONS.listStreams);
  for (const pattern of scope.subscriptionFunctionArns) {
    if (pattern.includes('*')) acknowledge(dispatcherRole, `AwsSolutions-IAM5[Resource::${pattern}]`, NAG_REASONS.subscriptionFunctions);
  }
  acknowledge(scope.pushDelivery.failedDispatches, 'AwsSolutions-SQS3', NAG_REASONS.onFailureQueue);

  const restApi = api.restApi;
  acknowledge(restApi, 'AwsSolutions-APIG2', NAG_REASONS.requestValidation);
  acknowledge(restApi, 'AwsSolutions-COG4', NAG_REASONS.cognito);
  for (const method of api.consoleMethods) acknowledge(method, 'AwsSolutions-APIG4', NAG_REASONS.consoleNoAuth);
  const stage = restApi.deploymentStage;
  if (scope.functionSideAuth) acknowledge(restApi, 'AwsSolutions-APIG4', NAG_REASONS.functionSideAuth);
  if (!scope.webAcl) acknowledge(stage, 'AwsSolutions-APIG3', NAG_REASONS.waf);
  if (!scope.accessLogging) acknowledge(stage, 'AwsSolutions-APIG1', NAG_REASONS.accessLogsOff);
  if (!scope.executionLogging) acknowledge(stage, 'AwsSolutions-APIG6', NAG_REASONS.executionLogsOff);
  if (scope.live) {
    acknowledge(scope.live.function, 'AwsSolutions-L1', NAG_REASONS.runtime);
    acknowledge(scope.live.api, 'AwsSolutions-APIG4', NAG_REASONS.liveAuthorization);
    if (scope.tracing) acknowledge(scope.live.role, 'AwsSolutions-IAM5[Resource::*]', NAG_REASONS.xray);
    // The dispatcher posts live notifications: ManageConnections on this API's stage, any connection id.
    const liveApiId = stack.getLogicalId(scope.live.api.node.defaultChild as CfnElement);
    const stageName = scope.live.stage.stageName;
    // cdk-nag names unresolved pseudo parameters <AWS::…>, and shows a pinned region or account (tributary:region) as is.
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    acknowledge(
      dispatcherRole,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${region}:${account}:<${liveApiId}>/${stageName}/POST/@connections/*]`,
      NAG_REASONS.liveConnections,
    );
  }
  const cloudWatchRole = restApi.node.tryFindChild('CloudWatchRole');
  if (scope.cloudWatchRole && cloudWatchRole) {
    acknowledge(cloudWatchRole, managedPolicy('service-role/AmazonAPIGatewayPushToCloudWatchLogs'), NAG_REASONS.cloudWatchRoleManagedPolicy);
  }
}
