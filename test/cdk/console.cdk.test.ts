/** The web console on the deployed API: public GET methods under /console served by the `console` function, which reads no table. */
import { TABLE_ENV } from '../../lambdas/config';
import { logicalId, statementsOf, synth, actionsOf } from './template';

const { stack, template } = synth();

describe('Web console on the REST API', () => {
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const pathOf = (id: string): string => {
    const { ParentId, PathPart } = resources[id]?.Properties;
    return `${ParentId.Ref ? pathOf(ParentId.Ref) : ''}/${PathPart}`;
  };
  const consoleMethods = Object.values(template.findResources('AWS::ApiGateway::Method'))
    .map((m) => m.Properties)
    .filter((m) => pathOf(m.ResourceId.Ref).startsWith('/console'));

  it('serves GET /console and GET /console/{proxy+} without the token authorizer', () => {
    expect(consoleMethods.map((m) => [m.HttpMethod, pathOf(m.ResourceId.Ref)]).sort()).toEqual([
      ['GET', '/console'],
      ['GET', '/console/{proxy+}'],
    ]);
    for (const method of consoleMethods) {
      expect(method.AuthorizationType).toBe('NONE');
      expect(method.AuthorizerId).toBeUndefined();
      expect(method.Integration.Type).toBe('AWS_PROXY');
      expect(JSON.stringify(method.Integration.Uri)).toContain(`"${logicalId(stack, stack.functions.console)}"`);
    }
  });

  it('gives the console function no table, no bucket and nothing but its logs', () => {
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.functions.console)];
    const env = Object.keys(fn?.Properties.Environment.Variables ?? {});
    for (const variable of Object.values(TABLE_ENV)) expect(env).not.toContain(variable);
    const actions = actionsOf(statementsOf(template, logicalId(stack, stack.roles.console)));
    expect(actions.filter((a) => !a.startsWith('logs:'))).toEqual([]);
  });
});
