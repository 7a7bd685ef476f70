/**
 * One Lambda function per `FUNCTIONS` entry (`lambdas/http/routes.ts`), with
 * exactly the table and bucket access the entry declares.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
  type BundlingOptions,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BUCKET_ENV, TABLE_ENV } from '../lambdas/config';
import { FUNCTIONS, type Access, type FunctionSpec } from '../lambdas/http/routes';
import { pascalCase, type TableName } from './tables';

/** A function name: a route handler (`topics`, `produce`, …) or `authorizer`. */
export type FunctionName = keyof typeof FUNCTIONS;

/** Every function name, in `FUNCTIONS` order. */
export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/** The repository root: `FunctionSpec.entry` paths are relative to it. */
export const REPO_ROOT = path.resolve(__dirname, '..');

/**
 * How every handler is bundled: the locally installed esbuild (never Docker),
 * CommonJS for Node 22, minified, with external source maps.
 *
 * CommonJS works with ESM-only packages such as Middy 7: esbuild resolves an
 * `import` through the package's `import` export condition whatever the
 * output format, and rewrites the module to CommonJS. `module` is preferred
 * over `main` so that the AWS SDK's ES build is tree-shaken. The AWS SDK is
 * bundled (not taken from the runtime) so the deployed code runs the exact
 * SDK version the tests ran against.
 */
export const BUNDLING: BundlingOptions = {
  forceDockerBundling: false,
  format: OutputFormat.CJS,
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  sourcesContent: false,
  bundleAwsSDK: true,
};

/** Properties of {@link TributaryFunctions}. */
export interface TributaryFunctionsProps {
  /** The tables by logical name; each function receives only those its spec lists. */
  readonly tables: Readonly<Record<TableName, Table>>;
  /** The segment/spill bucket; given only to functions whose spec sets `bucket`. */
  readonly bucket: IBucket;
  /**
   * How long the functions' logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Removal policy of the functions' log groups.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Active X-Ray tracing.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Extra environment variables for every function, e.g.
   * `TRIBUTARY_S3_FORCE_PATH_STYLE=1` on LocalStack.
   * @default none
   */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * The Lambda functions named by `FUNCTIONS`: Node.js 22 on ARM64, memory and
 * timeout from the spec, each with its own log group. Environment: for each
 * table in the spec's `tables`, `TABLE_ENV[table]` = the table's name; when
 * the spec sets `bucket`, `BUCKET_ENV` = the bucket's name. IAM grants follow
 * the spec exactly: `read` → read-only data actions, `readwrite` → read and
 * write (on the bucket, write includes `s3:DeleteObject*`); a table or bucket
 * the spec does not list gets neither a variable nor a permission.
 *
 * Every entry file must export its handler as `handler`.
 */
export class TributaryFunctions extends Construct {
  /** The functions by name. */
  readonly functions: Readonly<Record<FunctionName, NodejsFunction>>;

  constructor(scope: Construct, id: string, props: TributaryFunctionsProps) {
    super(scope, id);
    const functions: Partial<Record<FunctionName, NodejsFunction>> = {};
    for (const name of FUNCTION_NAMES) {
      functions[name] = this.createFunction(name, FUNCTIONS[name], props);
    }
    this.functions = functions as Record<FunctionName, NodejsFunction>;
  }

  private createFunction(name: FunctionName, spec: FunctionSpec, props: TributaryFunctionsProps): NodejsFunction {
    const id = pascalCase(name);
    const logGroup = new LogGroup(this, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const tableAccess = Object.entries(spec.tables) as [TableName, Access][];
    const environment: Record<string, string> = {
      ...props.environment,
      NODE_OPTIONS: '--enable-source-maps',
    };
    for (const [table] of tableAccess) environment[TABLE_ENV[table]] = props.tables[table].tableName;
    if (spec.bucket) environment[BUCKET_ENV] = props.bucket.bucketName;

    const fn = new NodejsFunction(this, id, {
      description: `Tributary ${name} (${spec.entry})`,
      entry: path.join(REPO_ROOT, spec.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      bundling: BUNDLING,
      environment,
      logGroup,
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
    });

    for (const [table, access] of tableAccess) {
      if (access === 'readwrite') props.tables[table].grantReadWriteData(fn);
      else props.tables[table].grantReadData(fn);
    }
    if (spec.bucket === 'readwrite') props.bucket.grantReadWrite(fn);
    else if (spec.bucket === 'read') props.bucket.grantRead(fn);
    return fn;
  }
}
