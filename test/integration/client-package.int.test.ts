/**
 * The published client as a user gets it: `npm pack` of packages/client
 * (its prepack builds dist/ in a copy of the package, so the repository's
 * own dist/ is left alone), `npm install <tarball>` into an empty project,
 * then on Node 22 and on Node 20: an `.mjs` file with top-level await, a
 * `.cjs` file, and `.ts`/`.cts` files (type-checked by tsc against the
 * installed declarations, run by tsx) each import TributaryClient and error
 * classes and check `instanceof` on the error the client throws for a tiny
 * local API answering 404 TOPIC_NOT_FOUND; and the installed `tributary` bin
 * answers `--help`. The README's client example, as written, runs as an
 * `.mjs` file against the local stack. Needs the npm registry (or npm's
 * cache) for the package's dependencies.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startTestStack, type TestStack } from '../support/backends';

const REPO = resolve(__dirname, '../..');
const PACKAGE = join(REPO, 'packages/client');
const NODE_22 = realpathSync(join(REPO, 'node_modules/.bin/node'));
/** The machine's Node (20 here; the package's `engines` says >=20). */
const NODE_20 = '/usr/bin/node';
const TSX_CLI = join(REPO, 'node_modules/tsx/dist/cli.mjs');
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');

let temp: string;
let app: string;
let server: Server;
let apiUrl: string;
let stack: TestStack | undefined;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a process without blocking this one (the local API below answers from this process's event loop). */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      command,
      args,
      { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false', ...env }, timeout: 120_000 },
      (error, stdout, stderr) => done({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr: stderr || (error?.message ?? '') }),
    );
  });
}

async function ok(running: Promise<Run>): Promise<string> {
  const result = await running;
  expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ status: 0, stderr: '' });
  return result.stdout;
}

/** What each usage file prints: the checks it made, as JSON. */
const EXPECTED = {
  thrown: 'TopicNotFoundError',
  instanceOfTopicNotFound: true,
  instanceOfTributaryError: true,
  instanceOfError: true,
  instanceOfInvalidRequest: false,
  code: 'TOPIC_NOT_FOUND',
  status: 404,
  everyClassIsATributaryError: true,
  producerHasLinger: true,
};

const CHECKS = `
let thrown: unknown;
try {
  await client.fetch({ topic: 'nope', partition: 0, offset: 'earliest' });
} catch (error) {
  thrown = error;
}
const e = thrown as TributaryError;
console.log(JSON.stringify({
  thrown: e.constructor.name,
  instanceOfTopicNotFound: thrown instanceof TopicNotFoundError,
  instanceOfTributaryError: thrown instanceof TributaryError,
  instanceOfError: thrown instanceof Error,
  instanceOfInvalidRequest: thrown instanceof InvalidRequestError,
  code: e.code,
  status: e.status,
  everyClassIsATributaryError: Object.values(ERROR_CLASSES).every((C) => C.prototype instanceof TributaryError),
  producerHasLinger: DEFAULT_LINGER_MS === 5 && typeof client.producer({ lingerMs: 0 }).send === 'function',
}));
`;
const NAMES = 'TributaryClient, TributaryError, TopicNotFoundError, InvalidRequestError, ERROR_CLASSES, DEFAULT_LINGER_MS';
const NEW_CLIENT = "const client = new TributaryClient({ url: process.env.API_URL ?? '', token: 'trb_test' });";
const untyped = (code: string) => code.replace(/ as TributaryError/g, '').replace('let thrown: unknown;', 'let thrown;');

beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), 'tributary-client-package-'));
  // A copy of the package's sources: its prepack builds there. Its build tools (esbuild, tsc, @types/node) come from the repository.
  const copy = join(temp, 'client');
  mkdirSync(copy);
  for (const entry of ['package.json', 'tsconfig.build.json', 'scripts', 'src', 'bin']) cpSync(join(PACKAGE, entry), join(copy, entry), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'), 'dir');
  await ok(run('npm', ['pack', '--pack-destination', temp, '--silent'], copy));
  const tarball = readdirSync(temp).find((name) => name.endsWith('.tgz'));
  expect(tarball).toBe('tributary-client-0.1.0.tgz');

  app = join(temp, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  await ok(run('npm', ['install', join(temp, tarball as string), '--no-audit', '--no-fund', '--prefer-offline', '--silent'], app));

  writeFileSync(join(app, 'use.mjs'), `import { ${NAMES} } from '@tributary/client';\n${NEW_CLIENT}\n${untyped(CHECKS)}`);
  writeFileSync(
    join(app, 'use.cjs'),
    `const { ${NAMES} } = require('@tributary/client');\n${NEW_CLIENT}\n(async () => {\n${untyped(CHECKS)}\n})();`,
  );
  writeFileSync(join(app, 'use.ts'), `import { ${NAMES} } from '@tributary/client';\n${NEW_CLIENT}\n${CHECKS}`);
  writeFileSync(
    join(app, 'use.cts'),
    `import { ${NAMES} } from '@tributary/client';\n${NEW_CLIENT}\nasync function main(): Promise<void> {\n${CHECKS}\n}\nvoid main();`,
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        noEmit: true,
        types: ['node'],
        typeRoots: [join(REPO, 'node_modules/@types')],
      },
      files: ['use.ts', 'use.cts'],
    }),
  );
}, 180_000); // pack (esbuild + tsc) and install: ~15 s on an idle machine, more on a busy one

beforeAll(async () => {
  server = createServer((_request, response) => {
    response.writeHead(404, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ error: { code: 'TOPIC_NOT_FOUND', message: "Topic 'nope' does not exist." } }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await stack?.stop();
  await new Promise((done) => server?.close(done));
  if (temp) rmSync(temp, { recursive: true, force: true });
});

test('the machine has the two Node versions the package is checked on', async () => {
  expect(await ok(run(NODE_20, ['-v'], REPO))).toMatch(/^v20\./);
  expect(await ok(run(NODE_22, ['-v'], REPO))).toMatch(/^v22\./);
});

test('the tarball holds the compiled package only: no TypeScript sources', () => {
  const files = readdirSync(join(app, 'node_modules/@tributary/client'), { recursive: true }).map(String).sort();
  expect(files).toEqual(expect.arrayContaining(['dist/index.mjs', 'dist/index.cjs', 'dist/index.d.mts', 'dist/index.d.cts', 'dist/cli.mjs', 'bin/tributary.mjs', 'package.json']));
  expect(files.filter((f) => /\.(m|c)?ts$/.test(f) && !/\.d\.(m|c)?ts$/.test(f))).toEqual([]);
});

test('the .ts and .cts usage type-check against the installed declarations (module nodenext)', async () => {
  await ok(run(process.execPath, [TSC, '-p', 'tsconfig.json'], app));
});

describe.each([
  ['Node 22', NODE_22],
  ['Node 20', NODE_20],
])('%s', (_name, node) => {
  test.each(['use.mjs', 'use.cjs'])('%s: imports the client, its errors are instanceof their classes', async (file) => {
    expect(JSON.parse(await ok(run(node, [file], app, { API_URL: apiUrl })))).toEqual(EXPECTED);
  });

  test.each(['use.ts', 'use.cts'])('%s run by tsx: the same', async (file) => {
    expect(JSON.parse(await ok(run(node, [TSX_CLI, file], app, { API_URL: apiUrl })))).toEqual(EXPECTED);
  });

  test('the installed bin runs as an executable and answers --help', async () => {
    const bin = join(app, 'node_modules/.bin/tributary');
    const out = await ok(run(bin, ['--help'], app, { PATH: `${dirname(node)}:${process.env.PATH ?? ''}` }));
    expect(out).toContain('Usage: tributary');
    expect((await ok(run(node, [bin, '--version'], app))).trim()).toBe('0.1.0');
  });
});

test("the README's client example runs as written, as an .mjs file, on Node 22 and Node 20", async () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const block = /<!-- client-example:start -->\s*```js\n([\s\S]*?)```\s*<!-- client-example:end -->/.exec(readme);
  expect(block).not.toBeNull();
  writeFileSync(join(app, 'example.mjs'), block![1]!);
  stack = await startTestStack({ local: true });
  for (const node of [NODE_22, NODE_20]) {
    // The second run finds the topic from the first (TopicExistsError is caught) and reads only its own records.
    const out = await ok(run(node, ['example.mjs'], app, { TRIBUTARY_URL: stack.url, TRIBUTARY_TOKEN: stack.token }));
    const lines = out.trim().split('\n');
    expect(lines).toContain('TOPIC_NOT_FOUND 404');
    expect(lines.filter((line) => /^\d+ \d+ user-42 \{ item: 'book' \}$/.test(line))).toHaveLength(1);
    expect(lines.filter((line) => /^\d+ \d+ null AP8=$/.test(line))).toHaveLength(1);
  }
}, 120_000);
