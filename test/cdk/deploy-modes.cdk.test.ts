/**
 * A first deploy that succeeds anywhere (issue 16, §3): the API Gateway
 * CloudWatch role a fresh account lacks, function-side auth for LocalStack
 * (no API Gateway authorizer), and a template that names no region unless
 * one is asked for.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { FUNCTION_NAMES, REPO_ROOT, ROUTE_FUNCTIONS } from '../../lib/functions';
import { ROUTES } from '../../lambdas/http/routes';
import { actionsOn, CDK_CONTEXT, logicalId, statementsOf, synth } from './template';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; DependsOn?: string[] }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Runs bin/app.ts as `cdk synth` would (bundling skipped) and returns the template as text. */
/** The API's route methods: every method but the console's public static files (GET /console, /console/{proxy+}). */
function routeMethods(template: Template): Resource[] {
  const methods = Object.values(template.findResources('AWS::ApiGateway::Method') as Record<string, Resource>);
  return methods.filter((method) => method.Properties.OperationName !== 'getConsole');
}

function synthApp(env: Record<string, string>, context: Record<string, string> = {}): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-synth-'));
  try {
    const run = spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), ['bin/app.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context }),
      },
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect([run.status, run.stderr]).toEqual([0, expect.any(String)]);
    return fs.readFileSync(path.join(outdir, 'Tributary.template.json'), 'utf8');
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const REGION = /\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn)-(?:gov-)?(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d\b/g;

describe('the API Gateway CloudWatch role (a fresh account has none)', () => {
  const { template } = synth();

  it('is created with logging on by default, and set in the account settings before the stage needs it', () => {
    const accounts = template.findResources('AWS::ApiGateway::Account') as Record<string, Resource>;
    const [accountId, account] = Object.entries(accounts)[0] ?? [];
    expect(Object.keys(accounts)).toHaveLength(1);
    const roleRef = account!.Properties.CloudWatchRoleArn['Fn::GetAtt'][0] as string;
    const role = template.findResources('AWS::IAM::Role')[roleRef] as Resource;
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('service-role/AmazonAPIGatewayPushToCloudWatchLogs');
    expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain('apigateway.amazonaws.com');
    // The stage (with its logging) is created after the account setting names the role.
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage') as Record<string, Resource>)[0]!;
    expect(stage.DependsOn ?? []).toContain(accountId);
  });

  it('outlives the stack (the setting serves every API of the account and region)', () => {
    const account = Object.values(template.findResources('AWS::ApiGateway::Account') as Record<string, Resource>)[0]!;
    expect(account.DeletionPolicy).toBe('Retain');
    const roleRef = account.Properties.CloudWatchRoleArn['Fn::GetAtt'][0] as string;
    expect((template.findResources('AWS::IAM::Role')[roleRef] as Resource).DeletionPolicy).toBe('Retain');
  });
});

describe('auth modes', () => {
  const byDefault = synth();
  const functionSide = synth({ authMode: 'function' });
  /** The environment variables of a function, found by its description (`Tributary <name> (<entry>)`). */
  const variablesOf = (template: Template, name: string): Record<string, unknown> => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function') as Record<string, Resource>);
    const fn = functions.find((f) => String(f.Properties.Description).startsWith(`Tributary ${name} (`));
    expect([name, fn !== undefined]).toEqual([name, true]);
    return fn!.Properties.Environment.Variables as Record<string, unknown>;
  };

  it('default: every method is behind the REQUEST authorizer, cached 60 s, and no function checks tokens itself', () => {
    byDefault.template.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
    byDefault.template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      AuthorizerResultTtlInSeconds: 60,
      IdentitySource: 'method.request.header.Authorization',
    });
    const methods = routeMethods(byDefault.template);
    expect(methods).toHaveLength(ROUTES.length);
    expect(new Set(methods.map((m) => m.Properties.AuthorizationType))).toEqual(new Set(['CUSTOM']));
    for (const name of FUNCTION_NAMES) expect([name, variablesOf(byDefault.template, name).TRIBUTARY_AUTH_MODE]).toEqual([name, undefined]);
  });

  it('function: no API Gateway authorizer, and every route function has TRIBUTARY_AUTH_MODE=function and read access to the tokens table', () => {
    const { template, stack } = functionSide;
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 0);
    const methods = routeMethods(template);
    expect(methods).toHaveLength(ROUTES.length);
    expect(new Set(methods.map((m) => m.Properties.AuthorizationType))).toEqual(new Set(['NONE']));
    const tokensTable = logicalId(stack, stack.tables.tokens);
    for (const name of ROUTE_FUNCTIONS) {
      expect([name, variablesOf(template, name)]).toEqual([
        name,
        expect.objectContaining({ TRIBUTARY_AUTH_MODE: 'function', TRIBUTARY_TOKENS_TABLE: { Ref: tokensTable } }),
      ]);
      const actions = actionsOn(statementsOf(template, logicalId(stack, stack.roles[name])), tokensTable);
      expect([name, actions]).toEqual([name, expect.arrayContaining(['dynamodb:GetItem'])]);
      expect([name, actions.filter((a) => /Put|Update|Delete|Write/.test(a))]).toEqual([name, name === 'tokens' ? expect.any(Array) : []]);
    }
  });

  it('function: functions that serve no route (the archiver) get neither the mode nor the tokens table', () => {
    const { template, stack } = functionSide;
    expect(ROUTE_FUNCTIONS.has('archiver')).toBe(false);
    const variables = variablesOf(template, 'archiver');
    expect(variables.TRIBUTARY_AUTH_MODE).toBeUndefined();
    expect(variables.TRIBUTARY_TOKENS_TABLE).toBeUndefined();
    expect(actionsOn(statementsOf(template, logicalId(stack, stack.roles.archiver)), logicalId(stack, stack.tables.tokens))).toEqual([]);
  });
});

describe('the region in the template', () => {
  it('is in no ARN or name when the app is given no region, even when the CLI assumes one', () => {
    // The CLI sets CDK_DEFAULT_REGION to us-east-1 when it finds no region configured.
    const text = synthApp({ CDK_DEFAULT_REGION: 'us-east-1', CDK_DEFAULT_ACCOUNT: '123456789012' });
    expect(text.match(REGION) ?? []).toEqual([]);
    expect(text).not.toContain('123456789012');
    expect(text).toMatch(/"Ref": *"AWS::Region"/);
  }, 180_000);

  it('is pinned only when asked for with tributary:region (and the pattern above finds it then)', () => {
    const text = synthApp({ CDK_DEFAULT_REGION: 'us-east-1' }, { 'tributary:region': 'eu-west-1', 'tributary:account': '123456789012' });
    expect(new Set(text.match(REGION))).toEqual(new Set(['eu-west-1']));
  }, 180_000);
});
