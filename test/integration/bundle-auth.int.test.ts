/**
 * Function-side auth and the one-Authorization rule, checked on the code as
 * Lambda runs it: the handler and authorizer entries bundled by esbuild with
 * the options the CDK stack uses (`BUNDLING` in lib/functions.ts), loaded in
 * a separate Node process with the environment the stack gives a function
 * in each mode, and invoked with the events API Gateway sends (with no
 * authorizer in function mode), against DynamoDB Local.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { createToken, TOKEN_CACHE_TTL_MS, type CreatedToken } from '../../lambdas/core/auth';
import { requireTable } from '../../lambdas/config';
import { BUNDLING, REPO_ROOT } from '../../lib/functions';
import { DynamoTokenStore } from '../../lambdas/store/token-store';
import { createTestTables, type TestTables } from '../support/backends';

const run = promisify(execFile);
let outdir: string;
let tables: TestTables;
let store: DynamoTokenStore;
let admin: CreatedToken;
let narrow: CreatedToken;

beforeAll(async () => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-bundle-'));
  await build({
    entryPoints: { tokens: path.join(REPO_ROOT, 'lambdas/handlers/tokens.ts'), authorizer: path.join(REPO_ROOT, 'lambdas/handlers/authorizer.ts') },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: BUNDLING.target,
    mainFields: [...(BUNDLING.mainFields ?? [])],
    minify: true,
    logLevel: 'silent',
  });
  tables = await createTestTables();
  store = new DynamoTokenStore(tables.clients.documents, requireTable(tables.config, 'tokens'));
  admin = await createToken(store, 'admin', [{ topics: '*', actions: ['admin'] }]);
  narrow = await createToken(store, 'narrow', [{ topics: 'orders*', actions: ['consume'] }]);
}, 120_000);

afterAll(() => {
  fs.rmSync(outdir, { recursive: true, force: true });
});

/** One invocation: the Authorization values, a shift of the clock (ms), and for the tokens function the route. */
interface Step {
  readonly auth: string[];
  readonly shiftMs?: number;
  readonly method?: 'GET' | 'DELETE';
  /** For DELETE /v1/tokens/{id}. */
  readonly id?: string;
}

/**
 * Runs `steps` in one fresh Node process (one warm container) that loads the
 * bundle `entry` as Lambda would. The result per step is the status code
 * (tokens function) or 'Allow' / the error message (authorizer).
 */
async function invoke(entry: 'tokens' | 'authorizer', env: Record<string, string>, steps: Step[]): Promise<unknown[]> {
  const script = `
    const realNow = Date.now;
    let offset = 0;
    Date.now = () => realNow() + offset;
    const { handler } = require(${JSON.stringify(path.join(outdir, `${entry}.js`))});
    const context = { functionName: 'tributary-${entry}', awsRequestId: 'r', getRemainingTimeInMillis: () => 10000 };
    (async () => {
      const out = [];
      for (const step of ${JSON.stringify(steps)}) {
        offset = step.shiftMs || 0;
        const values = step.auth;
        const method = step.method || 'GET';
        const resource = method === 'DELETE' ? '/v1/tokens/{id}' : '/v1/tokens';
        const base = {
          resource, path: method === 'DELETE' ? '/v1/tokens/' + step.id : '/v1/tokens', httpMethod: method,
          headers: values.length ? { Authorization: values[values.length - 1] } : {},
          multiValueHeaders: values.length ? { Authorization: values } : {},
          queryStringParameters: null, multiValueQueryStringParameters: null,
          pathParameters: method === 'DELETE' ? { id: step.id } : null, stageVariables: null,
        };
        if (${JSON.stringify(entry)} === 'authorizer') {
          const event = { ...base, type: 'REQUEST', methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/v1/tokens', requestContext: {} };
          out.push(await handler(event, context).then((r) => r.policyDocument.Statement[0].Effect, (e) => e.message));
        } else {
          const requestContext = { requestId: 'r', resourcePath: resource, httpMethod: method };
          out.push((await handler({ ...base, body: null, isBase64Encoded: false, requestContext }, context)).statusCode);
        }
      }
      process.stdout.write('RESULT' + JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const { stdout } = await run(process.execPath, ['-e', script], {
    env: { ...process.env, ...tables.env, POWERTOOLS_METRICS_DISABLED: 'true', ...env },
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.slice(stdout.lastIndexOf('RESULT') + 'RESULT'.length)) as unknown[];
}

const bearer = (token: CreatedToken) => `Bearer ${token.token}`;

describe('the bundled tokens function in function-side mode (TRIBUTARY_AUTH_MODE=function)', () => {
  const FUNCTION_MODE = { TRIBUTARY_AUTH_MODE: 'function' };

  it('answers 401 without a token, 403 to a narrow token, 200 to the right one, and 401 to two Authorization headers', async () => {
    const statuses = await invoke('tokens', FUNCTION_MODE, [
      { auth: [] },
      { auth: [bearer(narrow)] },
      { auth: [bearer(admin)] },
      { auth: [bearer(narrow), bearer(admin)] },
      { auth: [bearer(narrow)] },
    ]);
    expect(statuses).toEqual([401, 403, 200, 401, 403]);
  }, 90_000);

  it('refuses a revoked token within the 60 s bound, in the container that had it cached', async () => {
    const revoked = await createToken(store, 'revoked', [{ topics: '*', actions: ['admin'] }]);
    const statuses = await invoke('tokens', FUNCTION_MODE, [
      { auth: [bearer(revoked)] },
      { auth: [bearer(admin)], method: 'DELETE', id: revoked.id },
      { auth: [bearer(revoked)], shiftMs: TOKEN_CACHE_TTL_MS + 1 },
    ]);
    expect(statuses).toEqual([200, 204, 401]);
  }, 90_000);

  it('in the default mode answers 401 to a request without an authorizer identity, whatever token it carries', async () => {
    expect(await invoke('tokens', {}, [{ auth: [bearer(admin)] }])).toEqual([401]);
  }, 90_000);
});

describe('the bundled API Gateway authorizer', () => {
  it('refuses an event whose Authorization has two values, and allows one valid value', async () => {
    const results = await invoke('authorizer', {}, [
      { auth: [bearer(narrow), bearer(admin)] },
      { auth: [bearer(admin), bearer(admin)] },
      { auth: [bearer(admin)] },
    ]);
    expect(results).toEqual(['Unauthorized', 'Unauthorized', 'Allow']);
  }, 90_000);
});
