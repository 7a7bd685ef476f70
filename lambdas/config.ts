/**
 * The one module that reads the environment. Everything else receives a
 * typed `Config`. Endpoint overrides follow the AWS SDK's own variables
 * (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_S3`), so
 * the same code talks to AWS, LocalStack or the local emulators.
 */

export interface TableNames {
  log: string;
  topics: string;
  tokens: string;
  idempotency: string;
  groups: string;
  deadLetters: string;
  /** Live notifications: WebSocket connections and their watches. */
  connections: string;
}

export interface Config {
  region: string;
  /**
   * Table names that are set. Each Lambda function gets only the names of
   * the tables it may use; a missing one fails where it is first needed
   * (`requireTable`), not at start-up.
   */
  tables: Partial<TableNames>;
  bucket: string | undefined;
  /** Endpoint for DynamoDB; undefined means the SDK's default resolution. */
  dynamodbEndpoint: string | undefined;
  /** Endpoint for S3; undefined means the SDK's default resolution. */
  s3Endpoint: string | undefined;
  /** Path-style S3 addressing (needed by S3 emulators and LocalStack). */
  s3ForcePathStyle: boolean;
  /**
   * A produce batch whose compressed size exceeds this is written to S3 and
   * the log item keeps a pointer (DynamoDB still assigns the offsets).
   */
  inlineBatchMaxBytes: number;
  /** Add the `x-tributary-capacity` header (DynamoDB/S3 usage) to responses. */
  exposeCapacity: boolean;
  /** SDK attempts per call (first try included) before THROTTLED/UNAVAILABLE. */
  maxAttempts: number;
  /**
   * Write CloudWatch metrics (embedded metric format, on stdout). On in
   * Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set) and off elsewhere, where
   * nothing would read them; `POWERTOOLS_METRICS_DISABLED` overrides both ways.
   */
  metricsEnabled: boolean;
  /**
   * Who checks the bearer token. `authorizer` (the default): API Gateway's
   * REQUEST authorizer, whose identity arrives in the request context; a
   * request without one is refused. `function`: there is no API Gateway
   * authorizer (LocalStack's free chain has none), and each function checks
   * the token itself against the tokens table, with the same 60 s cache.
   * From `TRIBUTARY_AUTH_MODE`, which the CDK sets (context `tributary:authMode`).
   */
  authMode: AuthMode;
  /**
   * Push subscriptions may target `http://127.0.0.1` and `http://localhost`
   * (the local stack only, so that tests can run a receiver there).
   */
  allowLoopbackTargets: boolean;
  /** ARN patterns (`*` = any run of characters) of Lambda functions a subscription may target; none by default. */
  subscriptionFunctionArns: string[];
  /**
   * The API Gateway WebSocket API's management endpoint
   * (`https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`), where live
   * notifications are posted (`@connections`); undefined where nothing posts.
   */
  liveEndpoint: string | undefined;
  /**
   * The EventBridge rule that runs the dispatcher's retry sweep: enabled by
   * the first retry note, disabled by a sweep that finds none left. Undefined
   * where sweeps run on a timer (the local stack).
   */
  sweepRule: string | undefined;
}

/** See {@link Config.authMode}. */
export type AuthMode = 'authorizer' | 'function';

/** The environment variable that selects function-side auth (`function`); anything but `authorizer`/`function` fails. */
export const AUTH_MODE_ENV = 'TRIBUTARY_AUTH_MODE';

function authMode(env: Env): AuthMode {
  const raw = env[AUTH_MODE_ENV];
  if (raw === undefined || raw === '' || raw === 'authorizer') return 'authorizer';
  if (raw === 'function') return 'function';
  throw new Error(`Environment variable ${AUTH_MODE_ENV} must be authorizer or function, got '${raw}'`);
}

/**
 * Default inline limit, from the cost model (docs/PERFORMANCE.md, "Inline or
 * S3"): a batch of S KB kept inline costs S write units ($0.625 per million
 * each) and S/8 read units per reading group; spilled it costs one S3 PUT
 * ($5 per million, the price of 8 write units), a 1-unit pointer item, and
 * an S3 GET per read and for the archiver. With one reading group the two
 * meet at about 10 KB. Larger batches also wait for an S3 PUT (latency);
 * raise TRIBUTARY_INLINE_BATCH_MAX_BYTES when that matters more than cost.
 */
export const DEFAULT_INLINE_BATCH_MAX_BYTES = 10 * 1024;
/** DynamoDB's item limit is 400 KB; keep room for the other attributes. */
export const MAX_INLINE_BATCH_BYTES = 380 * 1024;

type Env = Record<string, string | undefined>;

/** The name of a table this function was configured with; throws when it was not. */
export function requireTable(config: Config, table: keyof TableNames): string {
  const name = config.tables[table];
  if (!name) throw new Error(`Environment variable ${TABLE_ENV[table]} is required here`);
  return name;
}

/** The bucket this function was configured with; throws when it was not. */
export function requireBucket(config: Config): string {
  if (!config.bucket) throw new Error(`Environment variable ${BUCKET_ENV} is required here`);
  return config.bucket;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Environment variable ${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

function flag(env: Env, name: string): boolean {
  const raw = env[name];
  return raw === '1' || raw === 'true';
}

/** Powertools' reading of `POWERTOOLS_METRICS_DISABLED` (its "extended" booleans), defaulting to "outside Lambda". */
function metricsEnabled(env: Env): boolean {
  const disabled = env.POWERTOOLS_METRICS_DISABLED?.trim().toLowerCase();
  if (disabled === undefined || disabled === '') return Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
  return !['1', 'true', 'y', 'yes', 'on'].includes(disabled);
}

/** Builds the configuration from an environment (default: `process.env`). */
export function loadConfig(env: Env = process.env): Config {
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    tables: Object.fromEntries(
      Object.entries(TABLE_ENV)
        .map(([table, variable]) => [table, env[variable]])
        .filter(([, name]) => Boolean(name)),
    ) as Partial<TableNames>,
    bucket: env[BUCKET_ENV] || undefined,
    dynamodbEndpoint: env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL,
    s3Endpoint: env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL,
    s3ForcePathStyle: flag(env, 'TRIBUTARY_S3_FORCE_PATH_STYLE'),
    inlineBatchMaxBytes: integer(
      env,
      'TRIBUTARY_INLINE_BATCH_MAX_BYTES',
      DEFAULT_INLINE_BATCH_MAX_BYTES,
      1024,
      MAX_INLINE_BATCH_BYTES,
    ),
    exposeCapacity: flag(env, 'TRIBUTARY_EXPOSE_CAPACITY'),
    maxAttempts: integer(env, 'TRIBUTARY_MAX_ATTEMPTS', 5, 1, 20),
    metricsEnabled: metricsEnabled(env),
    authMode: authMode(env),
    allowLoopbackTargets: flag(env, ALLOW_LOOPBACK_TARGETS_ENV),
    subscriptionFunctionArns: (env[SUBSCRIPTION_FUNCTION_ARNS_ENV] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    liveEndpoint: env[LIVE_ENDPOINT_ENV] || undefined,
    sweepRule: env[SWEEP_RULE_ENV] || undefined,
  };
}

/** The environment variables that carry a table-name set (used by CDK and the local stack). */
export const TABLE_ENV: Record<keyof TableNames, string> = {
  log: 'TRIBUTARY_LOG_TABLE',
  topics: 'TRIBUTARY_TOPICS_TABLE',
  tokens: 'TRIBUTARY_TOKENS_TABLE',
  idempotency: 'TRIBUTARY_IDEMPOTENCY_TABLE',
  groups: 'TRIBUTARY_GROUPS_TABLE',
  deadLetters: 'TRIBUTARY_DEAD_LETTERS_TABLE',
  connections: 'TRIBUTARY_CONNECTIONS_TABLE',
};
/** The WebSocket API's management endpoint (see `Config.liveEndpoint`). */
export const LIVE_ENDPOINT_ENV = 'TRIBUTARY_LIVE_ENDPOINT';
export const BUCKET_ENV = 'TRIBUTARY_BUCKET';
/** The retry sweep's EventBridge rule (see `Config.sweepRule`). */
export const SWEEP_RULE_ENV = 'TRIBUTARY_SWEEP_RULE';
/** Set by the local stack only: webhooks may go to http://127.0.0.1 and http://localhost. */
export const ALLOW_LOOPBACK_TARGETS_ENV = 'TRIBUTARY_ALLOW_LOOPBACK_TARGETS';
/** Comma-separated ARN patterns of functions subscriptions may invoke (the CDK context value). */
export const SUBSCRIPTION_FUNCTION_ARNS_ENV = 'TRIBUTARY_SUBSCRIPTION_FUNCTION_ARNS';
