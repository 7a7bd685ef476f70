/**
 * The import arrows docs/ARCHITECTURE.md describes, enforced by reading every
 * import of the source: the core knows no HTTP, storage, handler or SDK;
 * the HTTP layer reaches storage only through runtime.ts; only store/ talks
 * to AWS; the client package stands alone.
 *
 * Reproductions (issue 16, §6): `core/auth.ts` took its `Action` type from
 * `http/routes.ts`; the upstash handler built a store itself instead of
 * getting it from runtime.ts; `http/middleware.ts` used the capacity meter
 * from `store/`; and the archiver handler built a Lambda SDK command.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '../..');

interface Import {
  /** The importing file, relative to the repository root. */
  readonly file: string;
  /** The specifier as written. */
  readonly specifier: string;
  /** For a relative specifier, the target relative to the repository root; otherwise the package name. */
  readonly target: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|tsx|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Static imports, re-exports, `import(…)` and `require(…)`. Comments are left out first. */
export function importsOf(file: string, text: string): Import[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
  return [...code.matchAll(pattern)].map((match) => {
    const specifier = match[1] as string;
    const target = specifier.startsWith('.')
      ? relative(ROOT, resolve(ROOT, dirname(file), specifier))
      : packageName(specifier);
    return { file, specifier, target };
  });
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

const under = (folder: string) => (path: string) => path === folder || path.startsWith(`${folder}/`);
const SDKS = (target: string) =>
  target.startsWith('@aws-sdk/') || ['aws-lambda', 'aws-cdk-lib', 'constructs'].includes(target) || target.startsWith('@middy/');

function importsUnder(folder: string): Import[] {
  return sourceFiles(folder).flatMap((file) => importsOf(file, readFileSync(join(ROOT, file), 'utf8')));
}

const show = (imports: Import[]) => imports.map((i) => `${i.file} imports '${i.specifier}'`);

describe('import arrows', () => {
  const core = importsUnder('lambdas/core');
  const http = importsUnder('lambdas/http');
  const lambdas = importsUnder('lambdas');

  it('reads the imports it checks (the scan itself works)', () => {
    expect(core.length).toBeGreaterThan(20);
    expect(http).toContainEqual(expect.objectContaining({ file: 'lambdas/http/middleware.ts', target: 'lambdas/core/auth' }));
    expect(importsOf('lambdas/core/x.ts', "import type { A } from '../http/routes';\n// from '../store/no'")).toEqual([
      { file: 'lambdas/core/x.ts', specifier: '../http/routes', target: 'lambdas/http/routes' },
    ]);
  });

  it('core/ imports no http/, store/, handlers/, runtime, observability/ or upstash/ module', () => {
    const outside = ['lambdas/http', 'lambdas/store', 'lambdas/handlers', 'lambdas/runtime', 'lambdas/observability', 'lambdas/upstash'];
    expect(show(core.filter((i) => outside.some((folder) => under(folder)(i.target))))).toEqual([]);
  });

  it('core/ imports no SDK, no AWS or HTTP types, no middleware', () => {
    expect(show(core.filter((i) => SDKS(i.target)))).toEqual([]);
  });

  it('http/ imports nothing from store/ or handlers/', () => {
    expect(show(http.filter((i) => under('lambdas/store')(i.target) || under('lambdas/handlers')(i.target)))).toEqual([]);
  });

  it('handlers/ reach stores only through runtime.ts', () => {
    const handlers = importsUnder('lambdas/handlers');
    expect(show(handlers.filter((i) => under('lambdas/store')(i.target)))).toEqual([]);
  });

  it('only store/ builds AWS SDK clients and commands', () => {
    const sdk = lambdas.filter((i) => i.target.startsWith('@aws-sdk/') && !under('lambdas/store')(i.file));
    expect(show(sdk)).toEqual([]);
  });

  it('nothing under lambdas/ imports the CDK app, the local stack, the tests, or the client beyond its protocol table', () => {
    const outside = ['lib', 'bin', 'local', 'test', 'bench', 'packages', 'scripts'];
    // The one table of error codes lives in the client's protocol module; the service reads it, never the reverse.
    const wrong = lambdas.filter(
      (i) => outside.some((folder) => under(folder)(i.target)) && !under('packages/client/src/protocol')(i.target),
    );
    expect(show(wrong)).toEqual([]);
  });
});
