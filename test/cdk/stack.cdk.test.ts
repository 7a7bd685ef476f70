/**
 * The synthesized CloudFormation template of TributaryStack, checked against
 * the specs it is built from: TABLE_DEFINITIONS, FUNCTIONS and ROUTES.
 * Bundling is skipped (context `aws:cdk:bundling-stacks: []`), but
 * NodejsFunction still requires each FUNCTIONS entry file to exist.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { BUCKET_ENV, TABLE_ENV } from '../../lambdas/config';
import { ERROR_CODES } from '../../lambdas/core/errors';
import { FUNCTIONS, ROUTES } from '../../lambdas/http/routes';
import { TABLE_DEFINITIONS } from '../../lambdas/store/tables';
import { FUNCTION_NAMES, S3_ACTIONS } from '../../lib/functions';
import { TABLE_NAMES } from '../../lib/tables';
import { actionsOf, actionsOn, logicalId, statementsOf, synth } from './template';

describe('TributaryStack', () => {
  const { stack, template } = synth();
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any; DeletionPolicy?: string }>;
  const tableId = (name: keyof typeof TABLE_DEFINITIONS) => logicalId(stack, stack.tables[name]);
  const functionId = (name: keyof typeof FUNCTIONS) => logicalId(stack, stack.functions[name]);
  const bucketId = logicalId(stack, stack.bucket);

  it('creates one on-demand table per definition with point-in-time recovery', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', TABLE_NAMES.length);
    for (const name of TABLE_NAMES) {
      const definition = TABLE_DEFINITIONS[name];
      const keys = definition.sortKey ? [definition.partitionKey, definition.sortKey] : [definition.partitionKey];
      const table = resources[tableId(name)]?.Properties;
      expect(table).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
      expect(table.KeySchema).toEqual(
        keys.map((key, i) => ({ AttributeName: key.name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
      );
      expect(table.AttributeDefinitions).toEqual(keys.map((key) => ({ AttributeName: key.name, AttributeType: key.type })));
      expect(table.TimeToLiveSpecification).toEqual(
        definition.timeToLiveAttribute ? { AttributeName: definition.timeToLiveAttribute, Enabled: true } : undefined,
      );
    }
  });

  it('keeps the tables and the bucket when the stack is deleted', () => {
    for (const name of TABLE_NAMES) {
      expect(resources[tableId(name)]?.DeletionPolicy).toBe('Retain');
      expect(resources[tableId(name)]?.Properties.DeletionProtectionEnabled).toBe(true);
    }
    expect(resources[bucketId]?.DeletionPolicy).toBe('Retain');
    expect(resources[logicalId(stack, stack.accessLogsBucket)]?.DeletionPolicy).toBe('Retain');
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  it('deletes the tables and empties the bucket when a dev stack asks for DESTROY', () => {
    const dev = synth({ removalPolicy: RemovalPolicy.DESTROY });
    const devResources = dev.template.toJSON().Resources as Record<string, { DeletionPolicy?: string; Properties: any }>;
    for (const name of TABLE_NAMES) {
      const table = devResources[logicalId(dev.stack, dev.stack.tables[name])];
      expect(table?.DeletionPolicy).toBe('Delete');
      expect(table?.Properties.DeletionProtectionEnabled).toBe(false);
    }
    expect(devResources[logicalId(dev.stack, dev.stack.bucket)]?.DeletionPolicy).toBe('Delete');
    expect(devResources[logicalId(dev.stack, dev.stack.accessLogsBucket)]?.DeletionPolicy).toBe('Delete');
    dev.template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
  });

  it('refuses removal policies DynamoDB and S3 cannot honour', () => {
    expect(() => synth({ removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(/RETAIN or DESTROY/);
  });

  it('creates a private, encrypted, unversioned bucket that aborts stale multipart uploads', () => {
    template.resourceCountIs('AWS::S3::Bucket', 2); // and its access-log bucket (security.cdk.test.ts)
    const bucket = resources[bucketId]?.Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const encryption = [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }];
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration).toEqual(encryption);
    expect(bucket.VersioningConfiguration).toBeUndefined();
    expect(bucket.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
    );
  });

  it('denies every request to the bucket that does not use TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('creates one Node.js 22 ARM function per spec with its memory, timeout and log retention', () => {
    // Plus the live-notification function (lib/live.ts; test/cdk/live.cdk.test.ts checks it).
    template.resourceCountIs('AWS::Lambda::Function', FUNCTION_NAMES.length + 1);
    for (const name of FUNCTION_NAMES) {
      const fn = resources[functionId(name)]?.Properties;
      expect(fn).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: FUNCTIONS[name].memoryMb,
        Timeout: FUNCTIONS[name].timeoutSeconds,
      });
      expect(fn.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      const logGroup = resources[fn.LoggingConfig.LogGroup.Ref]?.Properties;
      expect(logGroup.RetentionInDays).toBe(30);
    }
  });

  it('passes each function the names of exactly the tables and the bucket its spec lists', () => {
    for (const name of FUNCTION_NAMES) {
      const spec = FUNCTIONS[name];
      const variables = resources[functionId(name)]?.Properties.Environment.Variables;
      for (const table of TABLE_NAMES) {
        // The dispatcher also posts live notifications (TributaryLive.grantNotify gives it the connections table).
        const granted = spec.tables[table] ?? (name === 'dispatcher' && table === 'connections' ? 'readwrite' : undefined);
        const expected = granted ? { Ref: tableId(table) } : undefined;
        expect([name, table, variables[TABLE_ENV[table]]]).toEqual([name, table, expected]);
      }
      expect([name, variables[BUCKET_ENV]]).toEqual([name, spec.bucket ? { Ref: bucketId } : undefined]);
    }
  });

  it('grants each function exactly the table and bucket access its spec declares', () => {
    for (const name of FUNCTION_NAMES) {
      const spec = FUNCTIONS[name];
      const statements = statementsOf(template, logicalId(stack, stack.functions[name].role!));
      for (const table of TABLE_NAMES) {
        const actions = actionsOn(statements, tableId(table));
        const access = spec.tables[table] ?? (name === 'dispatcher' && table === 'connections' ? 'readwrite' : undefined);
        expect([name, table, actions.includes('dynamodb:Query')]).toEqual([name, table, access !== undefined]);
        expect([name, table, actions.includes('dynamodb:PutItem')]).toEqual([name, table, access === 'readwrite']);
        expect([name, table, actions.includes('dynamodb:DeleteItem')]).toEqual([name, table, access === 'readwrite']);
      }
      const bucketActions = actionsOn(statements, bucketId).sort();
      expect([name, bucketActions]).toEqual([name, spec.bucket ? [...S3_ACTIONS[spec.bucket]].sort() : []]);
      // Only the stream dispatcher's dynamodb:ListStreams (which has no resource-level permission) is on `*`.
      const anywhere = statements.filter((s) => JSON.stringify(s.Resource) === '"*"');
      expect([name, anywhere.map((s) => s.Action)]).toEqual([name, name === 'dispatcher' ? ['dynamodb:ListStreams'] : []]);
    }
  });

  it('lets the fetch function read but never write', () => {
    const actions = actionsOf(statementsOf(template, logicalId(stack, stack.functions.fetch.role!)));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:Query', 's3:GetObject']));
    for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 's3:PutObject', 's3:DeleteObject']) {
      expect(actions).not.toContain(write);
    }
  });

  it('lets the authorizer touch only the tokens table (and write its own logs)', () => {
    const fn = resources[functionId('authorizer')]?.Properties;
    const tokens = { 'Fn::GetAtt': [tableId('tokens'), 'Arn'] };
    const ownLogs = { 'Fn::GetAtt': [fn.LoggingConfig.LogGroup.Ref, 'Arn'] };
    const statements = statementsOf(template, logicalId(stack, stack.functions.authorizer.role!));
    expect(statements.map((s) => s.Resource)).toEqual(expect.arrayContaining([tokens, ownLogs]));
    for (const statement of statements) expect([tokens, ownLogs]).toContainEqual(statement.Resource);
    expect(actionsOn(statements, tableId('tokens'))).not.toContain('dynamodb:PutItem');
  });

  it('creates every route of ROUTES as a method behind the token authorizer, and no other (besides the public console files)', () => {
    const apiResources = template.findResources('AWS::ApiGateway::Resource');
    const pathOf = (id: string): string => {
      const { ParentId, PathPart } = apiResources[id]?.Properties;
      return `${ParentId.Ref ? pathOf(ParentId.Ref) : ''}/${PathPart}`;
    };
    const [authorizerId] = Object.keys(template.findResources('AWS::ApiGateway::Authorizer'));
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'))
      .map((m) => m.Properties)
      .filter((m) => !pathOf(m.ResourceId.Ref).startsWith('/console'));
    expect(methods).toHaveLength(ROUTES.length);
    for (const route of ROUTES) {
      const matching = methods.filter((m) => m.HttpMethod === route.method && pathOf(m.ResourceId.Ref) === route.path);
      expect([route.method, route.path, matching.length]).toEqual([route.method, route.path, 1]);
      const method = matching[0];
      expect(method).toMatchObject({
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizerId },
        Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' },
      });
      expect(JSON.stringify(method.Integration.Uri)).toContain(`"${functionId(route.handler)}"`);
    }
  });

  it('authorizes with a REQUEST authorizer on the Authorization header, cached for at most 60 seconds', () => {
    const authorizers = Object.values(template.findResources('AWS::ApiGateway::Authorizer')).map((a) => a.Properties);
    expect(authorizers).toHaveLength(1);
    const authorizer = authorizers[0];
    expect(authorizer.Type).toBe('REQUEST');
    expect(authorizer.IdentitySource).toBe('method.request.header.Authorization');
    expect(authorizer.AuthorizerResultTtlInSeconds).toBeGreaterThan(0);
    expect(authorizer.AuthorizerResultTtlInSeconds).toBeLessThanOrEqual(60);
    expect(JSON.stringify(authorizer.AuthorizerUri)).toContain(`"${functionId('authorizer')}"`);
  });

  const gatewayResponses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse')).map((r) => r.Properties);
  const gatewayResponse = (type: string) => gatewayResponses.find((r) => r.ResponseType === type);

  it('answers an unknown method or path with 404 NOT_FOUND in the API error format', () => {
    const response = gatewayResponse('MISSING_AUTHENTICATION_TOKEN');
    expect(response?.StatusCode).toBe('404');
    expect(response?.ResponseParameters['gatewayresponse.header.Content-Type']).toBe("'application/json'");
    expect(JSON.parse(response?.ResponseTemplates['application/json'])).toEqual({
      error: { code: 'NOT_FOUND', message: expect.stringMatching(/^No route matches/) },
    });
  });

  it('answers a missing or unknown token with 401 UNAUTHENTICATED in the API error format', () => {
    const response = gatewayResponse('UNAUTHORIZED');
    expect(response?.StatusCode).toBe('401');
    expect(response?.ResponseParameters['gatewayresponse.header.Content-Type']).toBe("'application/json'");
    expect(JSON.parse(response?.ResponseTemplates['application/json'])).toEqual({
      error: { code: 'UNAUTHENTICATED', message: expect.any(String) },
    });
  });

  it('maps throttling, oversized requests and gateway failures to 429, 413 and 503', () => {
    expect(gatewayResponse('THROTTLED')?.StatusCode).toBe('429');
    expect(gatewayResponse('REQUEST_TOO_LARGE')?.StatusCode).toBe('413');
    expect(gatewayResponse('DEFAULT_5XX')?.StatusCode).toBe('503');
    expect(gatewayResponse('INTEGRATION_TIMEOUT')?.StatusCode).toBe('503');
  });

  it('gives every gateway error the body {"error": {"code", "message"}} with a code of the API', () => {
    expect(gatewayResponses.length).toBeGreaterThanOrEqual(8);
    for (const response of gatewayResponses) {
      // The gateway substitutes its message as a quoted JSON string.
      const text = String(response.ResponseTemplates['application/json']);
      const body = JSON.parse(text.replaceAll('$context.error.messageString', '"m"'));
      expect(Object.keys(body)).toEqual(['error']);
      expect(ERROR_CODES).toContain(body.error.code);
      expect(typeof body.error.message).toBe('string');
    }
  });

  it('throttles the stage and writes JSON access logs to a log group', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 }),
      ]),
      AccessLogSetting: {
        DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
  });

  it('takes the stage name and throttling limits from its props', () => {
    const custom = synth({ stageName: 'dev', throttlingRateLimit: 10, throttlingBurstLimit: 20 });
    custom.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'dev',
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 })]),
    });
  });

  it('sets the account-wide API Gateway CloudWatch role while logging is on, unless told not to', () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 1);
    synth({ apiGatewayCloudWatchRole: false }).template.resourceCountIs('AWS::ApiGateway::Account', 0);
    synth({ accessLogging: false, executionLogging: false }).template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it('outputs the API URL, the table names and the bucket names', () => {
    const outputs = template.findOutputs('*');
    expect(JSON.stringify(outputs.ApiUrl?.Value)).toContain('.execute-api.');
    for (const name of TABLE_NAMES) {
      const output = `${name.charAt(0).toUpperCase()}${name.slice(1)}TableName`;
      expect(outputs[output]?.Value).toEqual({ Ref: tableId(name) });
    }
    expect(outputs.BucketName?.Value).toEqual({ Ref: bucketId });
    expect(outputs.AccessLogsBucketName?.Value).toEqual({ Ref: logicalId(stack, stack.accessLogsBucket) });
  });
});
