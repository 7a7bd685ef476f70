/**
 * Test helpers on top of the emulators that test/support/global-setup.ts
 * starts once per jest run. Every call creates a fresh, randomly prefixed set
 * of tables and a fresh bucket, so test files running in parallel workers
 * never see each other's data.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { loadConfig, type Config } from '../../lambdas/config';
import { createStoreClients, type StoreClients } from '../../lambdas/store/clients';
import { ensureBucket, ensureTables } from '../../local/bootstrap';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/emulators';
import type { LocalServerOptions } from '../../local/server';
import type { LocalLive } from '../../local/live-server';
import { localResourceNames, stackEnv, startLocalStack, type Endpoints } from '../../local/stack';
import { DYNAMODB_ENDPOINT_ENV, S3_ENDPOINT_ENV } from './global-setup';

export interface TestTables {
  /** Configuration naming the fresh tables and bucket, endpoints set to the emulators. */
  config: Config;
  /** SDK clients built from `config` (as the handlers build theirs). */
  clients: StoreClients;
  /** The environment a handler would read for this set (assign to process.env to invoke handlers directly). */
  env: Record<string, string>;
  /** The random name prefix of this set. */
  prefix: string;
}

/** The shared emulators' endpoints; throws when the jest globalSetup did not run. */
export function testEndpoints(): Endpoints {
  const dynamodbEndpoint = process.env[DYNAMODB_ENDPOINT_ENV];
  const s3Endpoint = process.env[S3_ENDPOINT_ENV];
  if (!dynamodbEndpoint || !s3Endpoint) {
    throw new Error(`${DYNAMODB_ENDPOINT_ENV}/${S3_ENDPOINT_ENV} are not set: run the tests through jest (globalSetup)`);
  }
  return { dynamodbEndpoint, s3Endpoint };
}

function freshPrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/** The SDK's default credential chain must find the emulators' credentials, never real ones. */
function useEmulatorCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION = LOCAL_REGION;
  delete process.env.AWS_SESSION_TOKEN;
}

/** Creates a fresh set of tables (from TABLE_DEFINITIONS) and a bucket on the shared emulators. */
export async function createTestTables(): Promise<TestTables> {
  const endpoints = testEndpoints();
  useEmulatorCredentials();
  const prefix = freshPrefix();
  const names = localResourceNames(prefix);
  const env = stackEnv(endpoints, names);
  const plain = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...plain, endpoint: endpoints.dynamodbEndpoint });
  const s3 = new S3Client({ ...plain, endpoint: endpoints.s3Endpoint, forcePathStyle: true });
  try {
    await Promise.all([ensureTables(dynamodb, names.tables), ensureBucket(s3, names.bucket)]);
  } finally {
    dynamodb.destroy();
    s3.destroy();
  }
  const config = loadConfig(env);
  return { config, clients: createStoreClients(config), env, prefix };
}

export interface TestStack {
  /** Base URL of the API (no trailing slash). */
  url: string;
  /** A token with every permission. */
  token: string;
  /** True when the tests run against a deployed API (TRIBUTARY_URL); `config` is then undefined. */
  remote: boolean;
  /** The local stack's configuration (tables, bucket, endpoints). */
  config: Config | undefined;
  /** The local stack's live-notification server (undefined remote). */
  live: LocalLive | undefined;
  stop(): Promise<void>;
}

/**
 * Runs the local stack in-process on a free port against the shared emulators,
 * with fresh tables and the authorizer cache off (TTL 0). When TRIBUTARY_URL
 * is set, returns that deployed API and TRIBUTARY_TOKEN instead (stop does nothing).
 * Call it once per test file: the handler modules read process.env once.
 */
export async function startTestStack(
  options: { server?: LocalServerOptions; /** Always the local stack, even when TRIBUTARY_URL is set. */ local?: boolean } = {},
): Promise<TestStack> {
  const remoteUrl = options.local ? undefined : process.env.TRIBUTARY_URL;
  if (remoteUrl) {
    const token = process.env.TRIBUTARY_TOKEN;
    if (!token) throw new Error('TRIBUTARY_URL is set but TRIBUTARY_TOKEN is not');
    return { url: remoteUrl.replace(/\/+$/, ''), token, remote: true, config: undefined, live: undefined, stop: async () => {} };
  }
  const stack = await startLocalStack({
    emulators: testEndpoints(),
    prefix: freshPrefix(),
    port: 0,
    server: { authorizerCacheTtlMs: 0, ...options.server },
    // The stream poller (on by default) wakes push delivery and /v1/live.
  });
  return { url: stack.url, token: stack.token, remote: false, config: stack.config, live: stack.live, stop: () => stack.stop() };
}
