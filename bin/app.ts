/**
 * The CDK app: one `TributaryStack` named `Tributary`, checked by cdk-nag's
 * AwsSolutions rules on every synth: a finding not acknowledged in
 * `lib/nag.ts` fails `cdk synth` and `cdk deploy` (report in
 * `cdk.out/validation-report.json`).
 *
 *   npx cdk synth | deploy                      an AWS account (data retained)
 *   npx cdk deploy -c tributary:removalPolicy=destroy -c tributary:s3ForcePathStyle=true -c tributary:authMode=function
 *                                               a throwaway stack (e.g. LocalStack via cdklocal)
 *
 * The template is environment-agnostic (`AWS::Region`, `AWS::AccountId`),
 * whatever region the CLI finds or assumes: it deploys to the region of the
 * credentials used. Pin one with `tributary:region` (and `tributary:account`).
 *
 * Context keys (`-c key=value` or cdk.json "context"):
 *   tributary:removalPolicy             retain (default) | destroy
 *   tributary:stageName                 API stage, default prod
 *   tributary:throttlingRateLimit       requests per second, default 1000
 *   tributary:throttlingBurstLimit      default 2000
 *   tributary:accessLogging             true (default) | false
 *   tributary:executionLogging          true (default) | false: stage execution logs at level ERROR
 *   tributary:webAclArn                 ARN of a regional WAFv2 web ACL to associate with the stage (default none)
 *   tributary:archiveIntervalMinutes    how often the retention archiver runs, default FUNCTIONS.archiver.scheduleMinutes
 *   tributary:apiGatewayCloudWatchRole  true (default while logging is on) | false: create and set the account's API Gateway logging role
 *   tributary:authMode                  authorizer (default) | function: the functions check tokens, no API Gateway authorizer (LocalStack)
 *   tributary:region, tributary:account pin the stack to this region (and account); default: environment-agnostic
 *   tributary:tracing                   false (default) | true: X-Ray
 *   tributary:s3ForcePathStyle          false (default) | true: path-style S3 in the functions (LocalStack)
 *   tributary:consumerLagThreshold      records behind over which the lag alarms fire, default 10000
 *   tributary:watchedGroups             group:topic[,group:topic…]: groups with their own lag-or-silence alarm
 *   tributary:alarmTopicArn             ARN of an existing SNS topic the alarms notify (default: no action)
 *   tributary:subscriptionFunctionArns  ARN patterns (comma-separated, * wildcards) of Lambda functions push
 *                                       subscriptions may invoke (default: none)
 *   tributary:liveNotifications         true (default) | false: leave out the WebSocket API (LocalStack's free tiers)
 */
import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TributaryStack } from '../lib/tributary-stack';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

function context(key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(`tributary:${key}`);
  return value === undefined || value === null ? undefined : String(value);
}

function flag(key: string): boolean | undefined {
  const value = context(key);
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new Error(`Context tributary:${key} must be true or false, got '${value}'`);
}

function positiveNumber(key: string): number | undefined {
  const value = context(key);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new Error(`Context tributary:${key} must be a positive number, got '${value}'`);
  }
  return number;
}

function wholeMinutes(key: string): number | undefined {
  const value = positiveNumber(key);
  if (value !== undefined && !Number.isInteger(value)) {
    throw new Error(`Context tributary:${key} must be a whole number of minutes, got '${value}'`);
  }
  return value;
}

function removalPolicy(): RemovalPolicy | undefined {
  const value = context('removalPolicy');
  if (value === undefined) return undefined;
  if (value === 'retain') return RemovalPolicy.RETAIN;
  if (value === 'destroy') return RemovalPolicy.DESTROY;
  throw new Error(`Context tributary:removalPolicy must be retain or destroy, got '${value}'`);
}

/** `group:topic,group:topic`: consumer groups that should always be polling. */
function watchedGroups(): Array<{ group: string; topic: string }> | undefined {
  const value = context('watchedGroups');
  if (value === undefined) return undefined;
  return value.split(',').map((pair) => {
    const [group, topic, extra] = pair.trim().split(':');
    if (!group || !topic || extra !== undefined) {
      throw new Error(`Context tributary:watchedGroups must be group:topic[,group:topic…], got '${value}'`);
    }
    return { group, topic };
  });
}

function authMode(): 'authorizer' | 'function' | undefined {
  const value = context('authMode');
  if (value === undefined || value === 'authorizer' || value === 'function') return value;
  throw new Error(`Context tributary:authMode must be authorizer or function, got '${value}'`);
}

// Not CDK_DEFAULT_REGION: the CLI sets it to us-east-1 when it finds no region, which would pin
// that region into ARNs and asset bucket names without anyone having asked for it.
const account = context('account');
const region = context('region');
if (account !== undefined && region === undefined) {
  throw new Error('Context tributary:account needs tributary:region too (or neither, for an environment-agnostic stack)');
}

new TributaryStack(app, 'Tributary', {
  ...(region !== undefined ? { env: { account, region } } : {}),
  authMode: authMode(),
  removalPolicy: removalPolicy(),
  stageName: context('stageName'),
  throttlingRateLimit: positiveNumber('throttlingRateLimit'),
  throttlingBurstLimit: positiveNumber('throttlingBurstLimit'),
  accessLogging: flag('accessLogging'),
  executionLogging: flag('executionLogging'),
  webAclArn: context('webAclArn'),
  archiveIntervalMinutes: wholeMinutes('archiveIntervalMinutes'),
  apiGatewayCloudWatchRole: flag('apiGatewayCloudWatchRole'),
  tracing: flag('tracing'),
  functionEnvironment: flag('s3ForcePathStyle') ? { TRIBUTARY_S3_FORCE_PATH_STYLE: '1' } : undefined,
  consumerLagThreshold: positiveNumber('consumerLagThreshold'),
  watchedGroups: watchedGroups(),
  alarmTopicArn: context('alarmTopicArn'),
  subscriptionFunctionArns: context('subscriptionFunctionArns')
    ?.split(',')
    .map((arn) => arn.trim())
    .filter(Boolean),
  liveNotifications: flag('liveNotifications'),
});
