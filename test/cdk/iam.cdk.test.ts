/**
 * Least privilege: one role per function holding exactly what its FUNCTIONS
 * entry declares (tables, bucket objects, its own log group, and itself when
 * it fans out), no AWS managed policy, and IAM actions that cover every AWS
 * SDK command the code sends.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FUNCTIONS } from '../../lambdas/http/routes';
import { FUNCTION_NAMES, REPO_ROOT, S3_ACTIONS, type FunctionName } from '../../lib/functions';
import { sweepRuleName } from '../../lib/push-delivery';
import { pascalCase, TABLE_NAMES, type TableName } from '../../lib/tables';
import { actionsOf, actionsOn, logicalId, statementsOf, synth, type Statement } from './template';

/** The IAM action each S3 command the code may send needs. */
const S3_COMMAND_ACTIONS: Readonly<Record<string, string>> = {
  GetObjectCommand: 's3:GetObject',
  HeadObjectCommand: 's3:GetObject',
  PutObjectCommand: 's3:PutObject',
  DeleteObjectCommand: 's3:DeleteObject',
  DeleteObjectsCommand: 's3:DeleteObject',
};

/** The IAM action each Lambda command the code may send needs. */
const LAMBDA_COMMAND_ACTIONS: Readonly<Record<string, string>> = { InvokeCommand: 'lambda:InvokeFunction' };

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The `…Command` names imported from a package anywhere under lambdas/, with the file importing each. */
function commandsImported(pkg: string): Map<string, string> {
  const commands = new Map<string, string>();
  const pattern = new RegExp(`import\\s*(?:type\\s*)?\\{([^}]*)\\}\\s*from\\s*'${pkg.replace('/', '\\/')}'`, 'g');
  for (const file of sourceFiles(path.join(REPO_ROOT, 'lambdas'))) {
    for (const match of fs.readFileSync(file, 'utf8').matchAll(pattern)) {
      for (const raw of match[1]!.split(',')) {
        const name = raw.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!;
        if (name.endsWith('Command') && !raw.trim().startsWith('type ')) commands.set(name, path.relative(REPO_ROOT, file));
      }
    }
  }
  return commands;
}

describe('TributaryStack IAM', () => {
  const { stack, template } = synth();
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any; DependsOn?: string[] }>;
  const fnId = (name: FunctionName) => logicalId(stack, stack.functions[name]);
  const roleId = (name: FunctionName) => logicalId(stack, stack.roles[name]);
  const tableArn = (table: TableName) => ({ 'Fn::GetAtt': [logicalId(stack, stack.tables[table]), 'Arn'] });
  const logGroupArn = (name: FunctionName) => ({ 'Fn::GetAtt': [resources[fnId(name)]!.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] });
  const bucketObjects = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack, stack.bucket), 'Arn'] }, '/*']] };
  const statements = (name: FunctionName): Statement[] => statementsOf(template, roleId(name));
  const resourcesOf = (list: readonly Statement[]): unknown[] => list.flatMap((s) => [s.Resource].flat());

  it('gives every function its own role, assumable by Lambda only, with no AWS managed policy', () => {
    const roleIds = new Set(FUNCTION_NAMES.map(roleId));
    expect(roleIds.size).toBe(FUNCTION_NAMES.length);
    for (const name of FUNCTION_NAMES) {
      expect(resources[fnId(name)]!.Properties.Role).toEqual({ 'Fn::GetAtt': [roleId(name), 'Arn'] });
      const role = resources[roleId(name)]!.Properties;
      expect([name, role.ManagedPolicyArns]).toEqual([name, undefined]);
      expect(role.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
  });

  it('lets each function write to its own log group only, and only streams and events', () => {
    for (const name of FUNCTION_NAMES) {
      const onLogs = statements(name).filter((s) => actionsOf([s]).some((a) => a.startsWith('logs:')));
      expect([name, onLogs]).toEqual([
        name,
        [expect.objectContaining({ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroupArn(name) })],
      ]);
    }
  });

  it('allows each function nothing beyond its spec: its tables, the bucket objects, its log group, itself', () => {
    const sweepRuleArn = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:rule/${sweepRuleName(stack.stackName)}`]],
    };
    for (const name of FUNCTION_NAMES) {
      const spec = FUNCTIONS[name];
      const allowed = [
        logGroupArn(name),
        ...(Object.keys(spec.tables) as TableName[]).map(tableArn),
        ...(spec.bucket ? [bucketObjects] : []),
        ...(spec.invokesItself ? [{ 'Fn::GetAtt': [fnId(name), 'Arn'] }] : []),
        // The stream dispatcher: the log table's stream, its on-failure queue, and ListStreams (no resource-level permission).
        ...(name === 'dispatcher'
          ? [
              { 'Fn::GetAtt': [logicalId(stack, stack.tables.log), 'StreamArn'] },
              { 'Fn::GetAtt': [logicalId(stack, stack.pushDelivery.failedDispatches), 'Arn'] },
              '*',
              // Live notifications (TributaryLive.grantNotify): the connections table; @connections is checked below.
              tableArn('connections'),
            ]
          : []),
        // The retry sweep's rule, which the dispatcher and a resume (subscriptions) enable (push-delivery.cdk.test.ts checks the actions).
        ...(name === 'dispatcher' || name === 'subscriptions' ? [sweepRuleArn] : []),
      ];
      const isManageConnections = (s: Statement) => JSON.stringify(s.Action) === '"execute-api:ManageConnections"';
      expect([name, statements(name).filter(isManageConnections).length]).toEqual([name, name === 'dispatcher' ? 1 : 0]);
      for (const statement of statements(name).filter((s) => !isManageConnections(s))) {
        expect(statement.Effect).toBe('Allow');
        for (const resource of resourcesOf([statement])) expect([name, allowed]).toEqual([name, expect.arrayContaining([resource])]);
      }
      expect(actionsOf(statements(name)).filter((a) => a.includes('*') && !a.startsWith('dynamodb:'))).toEqual([]);
    }
  });

  it('keeps the consumer-group function away from tokens and idempotency records', () => {
    const own = statements('groups');
    for (const table of ['tokens', 'idempotency'] as const) expect(actionsOn(own, logicalId(stack, stack.tables[table]))).toEqual([]);
    expect(actionsOn(own, logicalId(stack, stack.tables.groups))).toContain('dynamodb:PutItem');
    expect(actionsOn(own, logicalId(stack, stack.tables.log))).not.toContain('dynamodb:PutItem');
  });

  it('keeps the dead-letter function away from tokens', () => {
    expect(actionsOn(statements('deadLetters'), logicalId(stack, stack.tables.tokens))).toEqual([]);
  });

  it('gives the archiver the topics and log tables and the bucket objects, and lets it invoke only itself', () => {
    const own = statements('archiver');
    const tables = TABLE_NAMES.filter((table) => actionsOn(own, logicalId(stack, stack.tables[table])).length > 0);
    expect(tables.sort()).toEqual(['log', 'topics']);
    expect(resourcesOf(own)).toContainEqual(bucketObjects);
    const invoke = own.filter((s) => actionsOf([s]).some((a) => a.startsWith('lambda:')));
    expect(invoke).toEqual([expect.objectContaining({ Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [fnId('archiver'), 'Arn'] } })]);
  });

  it('lets no function without invokesItself call Lambda at all', () => {
    for (const name of FUNCTION_NAMES.filter((n) => !FUNCTIONS[n].invokesItself)) {
      expect([name, actionsOf(statements(name)).filter((a) => a.startsWith('lambda:'))]).toEqual([name, []]);
    }
  });

  // A reference to the function's ARN in the policy the function depends on
  // would be a cycle, which synth() would already have refused (Template.fromStack).
  it('keeps the self-invoke grant out of the default policy, so the function does not depend on its own ARN', () => {
    for (const name of FUNCTION_NAMES.filter((n) => FUNCTIONS[n].invokesItself)) {
      const policy = stack.node.findAll().find((c) => c.node.path.endsWith(`/${pascalCase(name)}SelfInvoke`));
      expect(policy).toBeDefined();
      expect(resources[fnId(name)]!.DependsOn ?? []).not.toContain(logicalId(stack, policy!));
      expect(resources[fnId(name)]!.Properties.Environment.Variables.TRIBUTARY_SELF_FUNCTION_NAME).toBeUndefined();
    }
  });

  it('never grants bucket-level S3 actions, nor anything on the access-log bucket', () => {
    const logBucketId = logicalId(stack, stack.accessLogsBucket);
    for (const name of FUNCTION_NAMES) {
      const own = statements(name);
      expect(resourcesOf(own)).not.toContainEqual({ 'Fn::GetAtt': [logicalId(stack, stack.bucket), 'Arn'] });
      expect(actionsOn(own, logBucketId)).toEqual([]);
    }
  });

  it('grants an IAM action for every S3 and Lambda command the code sends', () => {
    const s3 = commandsImported('@aws-sdk/client-s3');
    expect(s3.size).toBeGreaterThan(0);
    for (const [command, file] of s3) {
      // A new command needs its action in S3_ACTIONS (lib/functions.ts) and a line above.
      expect([command, file, S3_COMMAND_ACTIONS[command]]).toEqual([command, file, expect.any(String)]);
      expect(S3_ACTIONS.readwrite).toContain(S3_COMMAND_ACTIONS[command]);
    }
    for (const [command, file] of commandsImported('@aws-sdk/client-lambda')) {
      expect([command, file, LAMBDA_COMMAND_ACTIONS[command]]).toEqual([command, file, expect.any(String)]);
    }
  });
});
