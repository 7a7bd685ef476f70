/**
 * The EventBridge schedules of the FUNCTIONS entries that set
 * `scheduleMinutes` (the retention archiver).
 */
import { FUNCTIONS } from '../../lambdas/http/routes';
import { FUNCTION_NAMES } from '../../lib/functions';
import { pascalCase } from '../../lib/tables';
import { logicalId, synth } from './template';

const SCHEDULED = FUNCTION_NAMES.filter((name) => FUNCTIONS[name].scheduleMinutes !== undefined);

describe('TributaryStack schedules', () => {
  const { stack, template } = synth();
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any; DependsOn?: string[] }>;
  const fnArn = (name: (typeof SCHEDULED)[number]) => ({ 'Fn::GetAtt': [logicalId(stack, stack.functions[name]), 'Arn'] });

  it('schedules the archiver, and only the functions whose spec asks for it', () => {
    expect(SCHEDULED).toContain('archiver');
    template.resourceCountIs('AWS::Events::Rule', SCHEDULED.length);
    expect(Object.keys(stack.schedules).sort()).toEqual([...SCHEDULED].sort());
  });

  it("invokes each scheduled function at its spec's rate, dropping a tick older than one interval", () => {
    for (const name of SCHEDULED) {
      const minutes = FUNCTIONS[name].scheduleMinutes!;
      const rule = resources[logicalId(stack, stack.schedules[name]!)]!.Properties;
      expect(rule).toMatchObject({
        ScheduleExpression: `rate(${minutes} minute${minutes === 1 ? '' : 's'})`,
        State: 'ENABLED',
        Targets: [
          {
            Arn: fnArn(name),
            RetryPolicy: { MaximumEventAgeInSeconds: minutes * 60, MaximumRetryAttempts: 2 },
          },
        ],
      });
    }
  });

  it('lets EventBridge invoke a scheduled function only from its own rule', () => {
    const permissions = Object.values(resources).filter(
      (r) => r.Type === 'AWS::Lambda::Permission' && r.Properties.Principal === 'events.amazonaws.com',
    );
    expect(permissions).toHaveLength(SCHEDULED.length);
    for (const name of SCHEDULED) {
      expect(permissions.map((p) => p.Properties)).toContainEqual({
        Action: 'lambda:InvokeFunction',
        FunctionName: fnArn(name),
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.schedules[name]!), 'Arn'] },
      });
    }
  });

  it('starts the schedule of a self-invoking function only once it may invoke itself', () => {
    for (const name of SCHEDULED.filter((n) => FUNCTIONS[n].invokesItself)) {
      const policy = stack.node.findAll().find((c) => c.node.path.endsWith(`/${pascalCase(name)}SelfInvoke`))!;
      expect(resources[logicalId(stack, stack.schedules[name]!)]!.DependsOn).toContain(logicalId(stack, policy));
    }
  });

  it('takes the archive interval from its props', () => {
    const custom = synth({ archiveIntervalMinutes: 15 });
    const rule = custom.template.toJSON().Resources[logicalId(custom.stack, custom.stack.schedules.archiver!)].Properties;
    expect(rule.ScheduleExpression).toBe('rate(15 minutes)');
    expect(rule.Targets[0].RetryPolicy.MaximumEventAgeInSeconds).toBe(900);
  });

  it('refuses an interval that is not a whole number of minutes', () => {
    expect(() => synth({ archiveIntervalMinutes: 0 })).toThrow(/whole number of minutes/);
    expect(() => synth({ archiveIntervalMinutes: 2.5 })).toThrow(/whole number of minutes/);
  });
});
