/**
 * Shared by the *.cdk.test.ts files: synthesize TributaryStack the way
 * `cdk synth` does (cdk.json's feature flags) but without bundling, and read
 * the IAM policies of the template. (`Template.fromStack` itself refuses a
 * template whose resources depend on each other in a cycle.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { TributaryStack, type TributaryStackProps } from '../../lib/tributary-stack';

/** The feature flags of cdk.json, so the tests synthesize what `cdk synth` does. */
export const CDK_CONTEXT = JSON.parse(fs.readFileSync(path.join(__dirname, '../../cdk.json'), 'utf8')).context as object;

/** A new app with cdk.json's context and bundling skipped (NodejsFunction still needs each entry file). */
export function newApp(): App {
  return new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
}

/** The stack and its template. */
export function synth(props?: TributaryStackProps): { app: App; stack: TributaryStack; template: Template } {
  const app = newApp();
  const stack = new TributaryStack(app, 'Tributary', props);
  return { app, stack, template: Template.fromStack(stack) };
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(stack: TributaryStack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** One IAM policy statement as synthesized. */
export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/** Every statement of every policy attached to the role. */
export function statementsOf(template: Template, roleId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

/** The actions of the statements. */
export function actionsOf(statements: readonly Statement[]): string[] {
  return statements.flatMap((s) => [s.Action].flat());
}

/** The actions the statements allow on the resource with this logical id. */
export function actionsOn(statements: readonly Statement[], resourceId: string): string[] {
  return actionsOf(statements.filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Resource).includes(`"${resourceId}"`)));
}
