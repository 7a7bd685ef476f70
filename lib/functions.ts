/**
 * One Lambda function per `FUNCTIONS` entry (`lambdas/http/routes.ts`), each
 * with its own role holding exactly the access the entry declares: its own
 * log group, its tables, the bucket's objects, and (`invokesItself`) itself.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
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
import { AUTH_MODE_ENV, BUCKET_ENV, TABLE_ENV, type AuthMode } from '../lambdas/config';
import { METRICS_NAMESPACE } from '../lambdas/core/metrics';
import { FUNCTIONS, ROUTES, type Access, type FunctionSpec } from '../lambdas/http/routes';
import { pascalCase, type TableName } from './tables';

/** A function name: a route handler (`topics`, `produce`, …) or `authorizer`. */
export type FunctionName = keyof typeof FUNCTIONS;

/** Every function name, in `FUNCTIONS` order. */
export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/**
 * The `service` of a function's logs, metrics and traces (Powertools'
 * `POWERTOOLS_SERVICE_NAME`): `tributary-` and the name in kebab case,
 * e.g. `tributary-dead-letters`.
 */
export function serviceName(name: FunctionName): string {
  return `tributary-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

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

/**
 * The S3 actions each bucket access level grants, on the bucket's objects
 * only (`<bucket>/*`), never on the bucket itself. These are exactly the
 * calls the code makes (`lambdas/store/blob-store.ts`): GetObject (whole or
 * ranged), PutObject, DeleteObjects (which needs `s3:DeleteObject`). No
 * `s3:ListBucket`: a missing key answers 403 rather than 404, and nothing
 * tells the two apart. `test/cdk/iam.cdk.test.ts` fails when the code starts
 * using an S3 command these do not cover.
 */
/**
 * The console function's bundling: build the console (unless console/dist is
 * already newer than its sources) and copy it beside the handler. Local
 * commands, no Docker, as the rest of the bundling.
 */
export function consoleBundling(): BundlingOptions {
  return {
    ...BUNDLING,
    commandHooks: {
      beforeBundling: (inputDir) => [`cd "${inputDir}" && npx tsx console/build.ts --if-stale`],
      beforeInstall: () => [],
      afterBundling: (inputDir, outputDir) => [`cp -R "${inputDir}/console/dist" "${outputDir}/console"`],
    },
  };
}

export const S3_ACTIONS: Readonly<Record<Access, readonly string[]>> = {
  read: ['s3:GetObject'],
  readwrite: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
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
   * Active X-Ray tracing (Powertools Tracer: the handler and every DynamoDB
   * and S3 call as subsegments). Off, the Tracer is switched off too
   * (`POWERTOOLS_TRACE_ENABLED=false`).
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Extra environment variables for every function, e.g.
   * `TRIBUTARY_S3_FORCE_PATH_STYLE=1` on LocalStack.
   * @default none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Who checks bearer tokens. `authorizer`: the API Gateway REQUEST
   * authorizer function. `function`: every function that serves a route
   * checks the token itself, so each gets `TRIBUTARY_AUTH_MODE=function`,
   * the tokens table's name and read access to it (for LocalStack, whose
   * free REST API chain runs no Lambda authorizer).
   * @default 'authorizer'
   */
  readonly authMode?: AuthMode;
}

/** The functions that serve routes of `ROUTES` (the ones an authorizer would guard). */
export const ROUTE_FUNCTIONS: ReadonlySet<FunctionName> = new Set(ROUTES.map((route) => route.handler));

/**
 * The Lambda functions named by `FUNCTIONS`: Node.js 22 on ARM64, memory and
 * timeout from the spec, each with its own log group and its own role.
 * Environment: for each table in the spec's `tables`, `TABLE_ENV[table]` =
 * the table's name; when the spec sets `bucket`, `BUCKET_ENV` = the bucket's
 * name. IAM grants follow the spec exactly: `read` → read-only data actions,
 * `readwrite` → read and write ({@link S3_ACTIONS} on the bucket); a table or
 * bucket the spec does not list gets neither a variable nor a permission.
 *
 * The role has no AWS managed policy: instead of AWSLambdaBasicExecutionRole
 * (which may write to any log group) it may only write to the function's
 * own log group. A spec with `invokesItself` may call `lambda:InvokeFunction`
 * on its own unqualified ARN and on nothing else; that grant is a separate
 * policy ({@link TributaryFunctions.selfInvokePolicies}), because the
 * function depends on its role's default policy and a reference to its own
 * ARN there would be circular. The function finds its own name in
 * `AWS_LAMBDA_FUNCTION_NAME`, which Lambda sets (an environment variable
 * naming itself would be circular too).
 *
 * Every entry file must export its handler as `handler`.
 */
export class TributaryFunctions extends Construct {
  /** The functions by name. */
  readonly functions: Readonly<Record<FunctionName, NodejsFunction>>;
  /** The execution role of each function. */
  readonly roles: Readonly<Record<FunctionName, Role>>;
  /** The self-invoke policy of each function whose spec sets `invokesItself`. */
  readonly selfInvokePolicies: Readonly<Partial<Record<FunctionName, Policy>>>;

  constructor(scope: Construct, id: string, props: TributaryFunctionsProps) {
    super(scope, id);
    const functions: Partial<Record<FunctionName, NodejsFunction>> = {};
    const roles: Partial<Record<FunctionName, Role>> = {};
    const selfInvokePolicies: Partial<Record<FunctionName, Policy>> = {};
    for (const name of FUNCTION_NAMES) {
      const spec = FUNCTIONS[name];
      const role = new Role(this, `${pascalCase(name)}Role`, {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: `Tributary ${name}: its log group and the access FUNCTIONS.${name} declares`,
      });
      const fn = this.createFunction(name, spec, role, props);
      if (spec.invokesItself) selfInvokePolicies[name] = this.grantSelfInvoke(name, fn, role);
      functions[name] = fn;
      roles[name] = role;
    }
    this.functions = functions as Record<FunctionName, NodejsFunction>;
    this.roles = roles as Record<FunctionName, Role>;
    this.selfInvokePolicies = selfInvokePolicies;
  }

  /** `lambda:InvokeFunction` on the function's own unqualified ARN, in a policy apart from the default one. */
  private grantSelfInvoke(name: FunctionName, fn: NodejsFunction, role: Role): Policy {
    const policy = new Policy(this, `${pascalCase(name)}SelfInvoke`, {
      statements: [new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] })],
    });
    policy.attachToRole(role);
    return policy;
  }

  private createFunction(name: FunctionName, spec: FunctionSpec, role: Role, props: TributaryFunctionsProps): NodejsFunction {
    const id = pascalCase(name);
    const logGroup = new LogGroup(this, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const functionSideAuth = props.authMode === 'function' && ROUTE_FUNCTIONS.has(name);
    const tables: FunctionSpec['tables'] = functionSideAuth ? { tokens: 'read', ...spec.tables } : spec.tables;
    const tableAccess = Object.entries(tables) as [TableName, Access][];
    const environment: Record<string, string> = {
      ...props.environment,
      NODE_OPTIONS: '--enable-source-maps',
      // Powertools: logs, EMF metrics and traces name the function as their service.
      POWERTOOLS_SERVICE_NAME: serviceName(name),
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_TRACE_ENABLED: String(props.tracing ?? false),
      ...(functionSideAuth ? { [AUTH_MODE_ENV]: 'function' } : {}),
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
      bundling: spec.bundlesConsole ? consoleBundling() : BUNDLING,
      environment,
      logGroup,
      role,
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
    });

    logGroup.grantWrite(role);
    for (const [table, access] of tableAccess) {
      if (access === 'readwrite') props.tables[table].grantReadWriteData(role);
      else props.tables[table].grantReadData(role);
    }
    if (spec.bucket) {
      role.addToPrincipalPolicy(
        new PolicyStatement({ actions: [...S3_ACTIONS[spec.bucket]], resources: [props.bucket.arnForObjects('*')] }),
      );
    }
    return fn;
  }
}
