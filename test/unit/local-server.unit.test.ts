/** The API Gateway rules the local server applies to authorizer and handler results (pure functions). */
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { evaluateAuthorizerResult, lambdaContext, methodArn, toWireResponse } from '../../local/events';

const arn = methodArn('POST', '/v1/topics/orders/records');

function result(effect: 'Allow' | 'Deny', resource: string, context: Record<string, unknown> = {}): APIGatewayAuthorizerResult {
  return {
    principalId: 'p1',
    policyDocument: { Version: '2012-10-17', Statement: [{ Effect: effect, Action: 'execute-api:Invoke', Resource: resource }] },
    context: context as APIGatewayAuthorizerResult['context'],
  };
}

describe('evaluateAuthorizerResult', () => {
  it('builds the method ARN API Gateway passes for a method and path', () => {
    expect(arn).toBe('arn:aws:execute-api:local:000000000000:local/prod/POST/v1/topics/orders/records');
  });

  it('allows when an Allow statement with a wildcard covers the method ARN', () => {
    const verdict = evaluateAuthorizerResult(result('Allow', 'arn:aws:execute-api:local:000000000000:local/prod/*'), arn);
    expect(verdict).toEqual({ outcome: 'allow', context: { principalId: 'p1' } });
  });

  it('denies when the Allow statement names another method', () => {
    const verdict = evaluateAuthorizerResult(result('Allow', methodArn('GET', '/v1/topics')), arn);
    expect(verdict).toEqual({ outcome: 'deny' });
  });

  it('denies when a Deny statement covers the ARN', () => {
    expect(evaluateAuthorizerResult(result('Deny', '*'), arn)).toEqual({ outcome: 'deny' });
  });

  it('turns number and boolean context values into strings, as a REST API does', () => {
    const verdict = evaluateAuthorizerResult(result('Allow', '*', { n: 3, b: true, s: 'x' }), arn);
    expect(verdict).toEqual({ outcome: 'allow', context: { n: '3', b: 'true', s: 'x', principalId: 'p1' } });
  });

  it('rejects a context value that is an object, which API Gateway cannot pass on', () => {
    const verdict = evaluateAuthorizerResult(result('Allow', '*', { permissions: [{ topics: '*' }] }), arn);
    expect(verdict).toMatchObject({ outcome: 'invalid', reason: expect.stringContaining('context.permissions') });
  });

  it('rejects a result without a policy document', () => {
    expect(evaluateAuthorizerResult({ principalId: 'p1' }, arn)).toMatchObject({ outcome: 'invalid' });
  });
});

describe('toWireResponse', () => {
  it('merges headers and multiValueHeaders, the multi-value list winning for the same name', () => {
    const wire = toWireResponse({ statusCode: 200, headers: { A: 1, B: 'x' }, multiValueHeaders: { B: ['y', 'z'] }, body: 'hi' });
    expect(wire).toEqual({ statusCode: 200, headers: { A: ['1'], B: ['y', 'z'] }, body: Buffer.from('hi') });
  });

  it('decodes a base64 body when isBase64Encoded is set', () => {
    const wire = toWireResponse({ statusCode: 200, body: Buffer.from([0, 255]).toString('base64'), isBase64Encoded: true });
    expect(wire?.body).toEqual(Buffer.from([0, 255]));
  });

  it('treats a missing body as empty', () => {
    expect(toWireResponse({ statusCode: 204 })?.body.length).toBe(0);
  });

  it.each([
    ['undefined', undefined],
    ['a string', 'ok'],
    ['no status code', { body: '' }],
    ['a status code out of range', { statusCode: 99, body: '' }],
    ['an object body', { statusCode: 200, body: { a: 1 } }],
    ['an object header value', { statusCode: 200, body: '', headers: { A: { b: 1 } } }],
  ])('rejects %s as a malformed proxy result', (_name, value) => {
    expect(toWireResponse(value)).toBeUndefined();
  });
});

describe('lambdaContext', () => {
  it('counts the remaining time down from the function timeout', () => {
    const context = lambdaContext('tributary-produce', 1024, 29);
    expect(context.functionName).toBe('tributary-produce');
    expect(context.memoryLimitInMB).toBe('1024');
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(28_900);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(29_000);
  });
});
