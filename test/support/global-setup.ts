/**
 * jest globalSetup: starts DynamoDB Local (in memory) and s3rver (temp dir)
 * once per run on free loopback ports, and publishes their endpoints to the
 * test workers through process.env (workers are started after this runs and
 * inherit the environment):
 *   TRIBUTARY_TEST_DYNAMODB_ENDPOINT, TRIBUTARY_TEST_S3_ENDPOINT
 * plus the emulators' credentials and region (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_REGION). Tests reach them via test/support/backends.ts.
 * They are started even for e2e runs against a deployed TRIBUTARY_URL (cheap).
 */
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, startS3rver } from '../../local/emulators';

/** Endpoint variables the workers read. */
export const DYNAMODB_ENDPOINT_ENV = 'TRIBUTARY_TEST_DYNAMODB_ENDPOINT';
export const S3_ENDPOINT_ENV = 'TRIBUTARY_TEST_S3_ENDPOINT';

/** Where the teardown (same process) finds the stop functions. */
export const EMULATORS_KEY = '__tributaryTestEmulators';

export default async function globalSetup(): Promise<void> {
  // A loaded machine (CI on 2 cores shared with other jobs) can take well over 15 s to start the JVM.
  const [dynamodb, s3] = await Promise.allSettled([startDynamoDbLocal({ readyTimeoutMs: 90_000 }), startS3rver()]);
  const stops = [dynamodb, s3].flatMap((r) => (r.status === 'fulfilled' ? [() => r.value.stop()] : []));
  (globalThis as Record<string, unknown>)[EMULATORS_KEY] = stops;
  if (dynamodb.status === 'rejected' || s3.status === 'rejected') {
    await Promise.allSettled(stops.map((stop) => stop()));
    throw dynamodb.status === 'rejected' ? dynamodb.reason : (s3 as PromiseRejectedResult).reason;
  }
  process.env[DYNAMODB_ENDPOINT_ENV] = dynamodb.value.endpoint;
  process.env[S3_ENDPOINT_ENV] = s3.value.endpoint;
  // The emulators' credentials (s3rver knows only these); never real ones.
  process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  process.env.AWS_REGION = LOCAL_REGION;
}
