/**
 * The S3 bucket for archived log segments and large produce batches spilled
 * out of DynamoDB, and the bucket receiving its server access logs.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type BucketProps } from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';

/** How long S3 server access logs are kept. */
export const ACCESS_LOG_EXPIRATION = Duration.days(90);

/** Key prefix of the segment bucket's server access logs in the log bucket. */
export const ACCESS_LOG_PREFIX = 'segments-bucket/';

/** Properties of {@link SegmentBucket}. */
export interface SegmentBucketProps {
  /**
   * What happens to the buckets when they leave the stack. `DESTROY` also
   * empties them first (a custom resource deletes the objects), since
   * CloudFormation cannot delete a bucket that still holds objects.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** What both buckets share: private, ACLs off, SSE-S3, TLS 1.2+ only. */
function privateBucket(removalPolicy: RemovalPolicy): BucketProps {
  return {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    // SSE-S3, not KMS: S3 server access logging cannot write to a bucket
    // encrypted with a KMS key, and SSE-S3 costs nothing per request.
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    removalPolicy,
    autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
  };
}

/**
 * Two private buckets: all public access blocked, ACLs disabled, TLS (1.2
 * or later) required by the bucket policy, SSE-S3 encryption.
 *
 * The segment bucket is unversioned (segments are written once and deleted
 * by the archiver's per-topic retention) and logs every request to the
 * access-log bucket. Its lifecycle rules are a safety net only, never the
 * retention: they abort multipart uploads left incomplete for a day and
 * expire noncurrent versions should versioning ever be turned on; no rule
 * expires current objects by age, since how long records live is each
 * topic's own setting.
 *
 * The access-log bucket keeps the logs for {@link ACCESS_LOG_EXPIRATION}.
 * S3's log delivery writes to it through a bucket policy (ACLs are off).
 */
export class SegmentBucket extends Construct {
  /** The segment and spill bucket. */
  readonly bucket: Bucket;
  /** The bucket receiving the segment bucket's server access logs. */
  readonly accessLogsBucket: Bucket;

  constructor(scope: Construct, id: string, props: SegmentBucketProps = {}) {
    super(scope, id);
    // Log delivery through a bucket policy (logging.s3.amazonaws.com, limited
    // to the segment bucket and this account), not the LogDeliveryWrite ACL,
    // which ACLs-off buckets refuse. Set here, whatever the app's flags.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.accessLogsBucket = new Bucket(this, 'AccessLogs', {
      ...privateBucket(removalPolicy),
      versioned: false,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: ACCESS_LOG_EXPIRATION },
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    this.bucket = new Bucket(this, 'Bucket', {
      ...privateBucket(removalPolicy),
      versioned: false,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: ACCESS_LOG_PREFIX,
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(7) },
      ],
    });
  }
}
