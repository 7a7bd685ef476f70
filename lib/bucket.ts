/**
 * The S3 bucket for archived log segments and large produce batches spilled
 * out of DynamoDB.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Properties of {@link SegmentBucket}. */
export interface SegmentBucketProps {
  /**
   * What happens to the bucket when it leaves the stack. `DESTROY` also
   * empties it first (a custom resource deletes the objects), since
   * CloudFormation cannot delete a bucket that still holds objects.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A private bucket: all public access blocked, ACLs disabled, TLS (1.2 or
 * later) required by the bucket policy, SSE-S3 encryption, no versioning
 * (segments are written once and deleted by retention), and a lifecycle
 * rule that aborts multipart uploads left incomplete for a day.
 *
 * Server access logging is not configured yet; add it with
 * `serverAccessLogsBucket` on this construct when cdk-nag asks for it.
 */
export class SegmentBucket extends Construct {
  /** The bucket. */
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: SegmentBucketProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: false,
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
  }
}
