/**
 * EventBridge schedules for the functions whose `FUNCTIONS` entry sets
 * `scheduleMinutes`: the retention archiver, and the dispatcher's retry
 * sweep (which the dispatcher enables only while retries wait: see
 * push-delivery.ts).
 */
import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct, type IDependable } from 'constructs';
import { FUNCTIONS } from '../lambdas/http/routes';
import { FUNCTION_NAMES, type FunctionName } from './functions';
import { pascalCase } from './tables';

/** EventBridge keeps an undelivered event for at most a day. */
const MAX_EVENT_AGE_MINUTES = 24 * 60;

/** Properties of {@link FunctionSchedules}. */
export interface FunctionSchedulesProps {
  /** The functions by name; those whose spec sets `scheduleMinutes` get a rule. */
  readonly functions: Readonly<Record<FunctionName, IFunction>>;
  /**
   * Interval overrides, whole minutes, by function name.
   * @default each spec's `scheduleMinutes`
   */
  readonly intervalMinutes?: Readonly<Partial<Record<FunctionName, number>>>;
  /**
   * What each rule must wait for, by function name (e.g. the function's
   * self-invoke policy, so that no run starts before it may fan out).
   * @default none
   */
  readonly dependsOn?: Readonly<Partial<Record<FunctionName, IDependable>>>;
  /**
   * Physical rule names, by function name, for rules a function must find by
   * name (the dispatcher enables and disables its own: a reference to the
   * rule from the function it targets would be a cycle).
   * @default generated names
   */
  readonly ruleNames?: Readonly<Partial<Record<FunctionName, string>>>;
}

/** The interval a scheduled function runs at: the override or the spec's, checked. */
export function scheduleMinutes(name: FunctionName, override?: number): number | undefined {
  const minutes = override ?? FUNCTIONS[name].scheduleMinutes;
  if (minutes === undefined) return undefined;
  if (!Number.isInteger(minutes) || minutes < 1) {
    throw new Error(`The schedule of ${name} must be a whole number of minutes (1 or more), got ${minutes}`);
  }
  return minutes;
}

/**
 * One EventBridge rule per scheduled function: `rate(n minutes)`, invoking
 * the function asynchronously with the scheduled event. A tick EventBridge
 * cannot deliver within one interval is dropped (`maxEventAge`): the next
 * tick does the same work. The rule's only permission is a Lambda resource
 * policy statement for `events.amazonaws.com` restricted to the rule's ARN.
 */
export class FunctionSchedules extends Construct {
  /** The rules by function name. */
  readonly rules: Readonly<Partial<Record<FunctionName, Rule>>>;

  constructor(scope: Construct, id: string, props: FunctionSchedulesProps) {
    super(scope, id);
    const rules: Partial<Record<FunctionName, Rule>> = {};
    for (const name of FUNCTION_NAMES) {
      const minutes = scheduleMinutes(name, props.intervalMinutes?.[name]);
      if (minutes === undefined) continue;
      const rule = new Rule(this, pascalCase(name), {
        ruleName: props.ruleNames?.[name],
        description: `Tributary ${name}: every ${minutes} minute(s)`,
        schedule: Schedule.rate(Duration.minutes(minutes)),
        targets: [
          new LambdaFunction(props.functions[name], {
            maxEventAge: Duration.minutes(Math.min(minutes, MAX_EVENT_AGE_MINUTES)),
            retryAttempts: 2,
          }),
        ],
      });
      const dependency = props.dependsOn?.[name];
      if (dependency) rule.node.addDependency(dependency);
      rules[name] = rule;
    }
    this.rules = rules;
  }
}
