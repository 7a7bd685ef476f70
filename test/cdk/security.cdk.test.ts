/**
 * Encryption, transport security, logging and the limits at the edge: every
 * table and bucket encrypted, both buckets private and TLS-only, the segment
 * bucket logged and never expired by age, the stage throttled and logged.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { ACCESS_LOG_EXPIRATION, ACCESS_LOG_PREFIX } from '../../lib/bucket';
import { logicalId, synth } from './template';

type Resources = Record<string, { Type: string; Properties: any }>;

describe('TributaryStack encryption, TLS and limits', () => {
  const { stack, template } = synth();
  const resources = template.toJSON().Resources as Resources;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const bucketId = logicalId(stack, stack.bucket);
  const logBucketId = logicalId(stack, stack.accessLogsBucket);
  const stage = () => ofType('AWS::ApiGateway::Stage')[0]![1].Properties;

  it('encrypts every DynamoDB table at rest and keeps point-in-time recovery on', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables.length).toBeGreaterThan(0);
    for (const [id, table] of tables) {
      expect([id, table.Properties.SSESpecification]).toEqual([id, { SSEEnabled: true }]);
      expect([id, table.Properties.PointInTimeRecoverySpecification]).toEqual([id, { PointInTimeRecoveryEnabled: true }]);
    }
  });

  it('makes both buckets private, ACL-free and SSE-S3 encrypted', () => {
    expect(ofType('AWS::S3::Bucket').map(([id]) => id).sort()).toEqual([bucketId, logBucketId].sort());
    for (const [id, bucket] of ofType('AWS::S3::Bucket')) {
      expect([id, bucket.Properties]).toEqual([
        id,
        expect.objectContaining({
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        }),
      ]);
      expect([id, bucket.Properties.AccessControl]).toEqual([id, undefined]);
    }
  });

  it('refuses plain HTTP and TLS older than 1.2 on both buckets', () => {
    for (const id of [bucketId, logBucketId]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
          ]),
        },
      });
    }
  });

  it('logs every request to the segment bucket into the access-log bucket, through a narrow bucket policy', () => {
    expect(resources[bucketId]!.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logBucketId },
      LogFilePrefix: ACCESS_LOG_PREFIX,
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logBucketId, 'Arn'] }, `/${ACCESS_LOG_PREFIX}*`]] },
            Condition: {
              ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucketId, 'Arn'] } },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          },
        ]),
      },
    });
    expect(resources[logBucketId]!.Properties.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({ ExpirationInDays: ACCESS_LOG_EXPIRATION.toDays(), Status: 'Enabled' }),
    );
  });

  it('never expires or transitions segment-bucket objects by age: retention is per topic, in the archiver', () => {
    const rules = resources[bucketId]!.Properties.LifecycleConfiguration.Rules as Record<string, unknown>[];
    for (const rule of rules) {
      for (const key of ['ExpirationInDays', 'ExpirationDate', 'Transitions', 'ExpiredObjectDeleteMarker']) {
        expect([rule.Id, key, rule[key]]).toEqual([rule.Id, key, undefined]);
      }
    }
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 7 }, Status: 'Enabled' }),
      ]),
    );
  });

  it('throttles the stage and logs its errors without request or response bodies', () => {
    expect(stage().MethodSettings).toEqual([
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: 1000,
        ThrottlingBurstLimit: 2000,
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
        MetricsEnabled: true,
      }),
    ]);
    expect(stage().AccessLogSetting).toBeDefined();
  });

  it('keeps execution logs for the log retention, in a group created before the stage logs to it', () => {
    const apiId = logicalId(stack, stack.api.restApi);
    const [groupId, group] = ofType('AWS::Logs::LogGroup').find(([, g]) =>
      JSON.stringify(g.Properties.LogGroupName ?? '').includes('API-Gateway-Execution-Logs_'),
    )!;
    expect(group.Properties).toEqual({
      LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: apiId }, '/prod']] },
      RetentionInDays: 30,
    });
    const [stageId] = ofType('AWS::ApiGateway::Stage')[0]!;
    expect(template.toJSON().Resources[stageId].DependsOn).toContain(groupId);
  });

  it('drops execution or access logging only when asked', () => {
    const quiet = synth({ executionLogging: false, accessLogging: false }).template;
    const props = Object.values(quiet.findResources('AWS::ApiGateway::Stage'))[0]!.Properties;
    expect(props.MethodSettings[0].LoggingLevel).toBeUndefined();
    expect(props.AccessLogSetting).toBeUndefined();
  });

  it('serves a regional endpoint, and associates a WAF web ACL with the stage only when given one', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    const webAclArn = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/tributary/0b1c2d3e';
    const guarded = synth({ webAclArn });
    const apiId = logicalId(guarded.stack, guarded.stack.api.restApi);
    const association = Object.values(guarded.template.findResources('AWS::WAFv2::WebACLAssociation'));
    expect(association).toHaveLength(1);
    expect(association[0]!.Properties.WebACLArn).toBe(webAclArn);
    const resourceArn = JSON.stringify(association[0]!.Properties.ResourceArn);
    expect(resourceArn).toContain(`{"Ref":"${apiId}"}`);
    expect(resourceArn).toContain('/stages/');
  });
});
