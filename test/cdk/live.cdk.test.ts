/**
 * The live-notification WebSocket API in the template: its routes, stage and
 * output, the function's least-privilege role, the dispatcher's grant
 * (`execute-api:ManageConnections` on this API's stage only), and the
 * context switch that leaves it out.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LIVE_ENDPOINT_ENV, TABLE_ENV } from '../../lambdas/config';
import { LIVE_ROUTE_KEYS } from '../../lambdas/http/live-routes';
import { TributaryStack } from '../../lib/tributary-stack';
import { actionsOf, actionsOn, logicalId, newApp, statementsOf, synth } from './template';

describe('Construct: TributaryLive', () => {
  const { stack, template } = synth();
  const live = stack.live!;

  it('creates a WebSocket API selecting routes by the action field, with every route on one function', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey as string);
    expect(routes.sort()).toEqual([...LIVE_ROUTE_KEYS].sort());
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    // Two-way routes: the function's result is the answer on the socket.
    template.resourcePropertiesCountIs('AWS::ApiGatewayV2::Route', { RouteResponseSelectionExpression: '$default' }, 4);
  });

  it('deploys a throttled stage with access logs and outputs its wss URL', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'live',
      AutoDeploy: true,
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 }),
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    const output = template.findOutputs('LiveUrl');
    expect(JSON.stringify(output)).toContain('wss://');
  });

  it('gives the function only tokens and topics (read) and connections (read-write), and no ManageConnections', () => {
    const statements = statementsOf(template, logicalId(stack, live.role));
    const tables = stack.tables;
    expect(actionsOn(statements, logicalId(stack, tables.connections))).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:DeleteItem']));
    expect(actionsOn(statements, logicalId(stack, tables.tokens))).not.toContain('dynamodb:PutItem');
    expect(actionsOn(statements, logicalId(stack, tables.tokens))).toContain('dynamodb:GetItem');
    expect(actionsOn(statements, logicalId(stack, tables.topics))).not.toContain('dynamodb:PutItem');
    for (const other of ['log', 'groups', 'deadLetters', 'idempotency'] as const) {
      expect(actionsOn(statements, logicalId(stack, tables[other]))).toEqual([]);
    }
    expect(actionsOf(statements)).not.toContain('execute-api:ManageConnections');
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack, live.function)];
    expect(Object.keys(fn!.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining([TABLE_ENV.tokens, TABLE_ENV.topics, TABLE_ENV.connections]),
    );
    expect(Object.keys(fn!.Properties.Environment.Variables)).not.toContain(TABLE_ENV.log);
  });
});

describe('TributaryLive.grantNotify', () => {
  it('allows ManageConnections on POST @connections of this API and stage only, and sets the endpoint', () => {
    const app = newApp();
    const stack = new TributaryStack(app, 'Tributary');
    const live = stack.live!;
    // The stream dispatcher (engineer F) gets this grant when merged; any function shows the shape.
    live.grantNotify(stack.functions.fetch, stack.roles.fetch);
    const template = Template.fromStack(stack);
    const statements = statementsOf(template, logicalId(stack, stack.roles.fetch));
    const manage = statements.filter((s) => actionsOf([s]).includes('execute-api:ManageConnections'));
    expect(manage).toHaveLength(1);
    const resource = JSON.stringify(manage[0]!.Resource);
    expect(resource).toContain(logicalId(stack, live.api));
    expect(resource).toContain('/live/POST/@connections/*');
    expect(actionsOf(manage)).toEqual(['execute-api:ManageConnections']);
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.functions.fetch)];
    expect(Object.keys(fn!.Properties.Environment.Variables)).toEqual(expect.arrayContaining([LIVE_ENDPOINT_ENV, TABLE_ENV.connections]));
  });
});

describe('Context: liveNotifications=false', () => {
  it('leaves out the WebSocket API, its function and output', () => {
    const { stack, template } = synth({ liveNotifications: false });
    expect(stack.live).toBeUndefined();
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 0);
    expect(template.findOutputs('LiveUrl')).toEqual({});
  });
});
