/**
 * Builds the published package into dist/ (gitignored):
 *   dist/index.mjs, dist/index.cjs  the client, one bundle per module format
 *                                   (dependencies stay external)
 *   dist/cli.mjs                    the `tributary` bin (ESM, with its shebang)
 *   dist/types/…, dist/index.d.mts, dist/index.d.cts  declarations (tsc)
 * No TypeScript is needed at run time. `--no-types` only rewrites the three
 * JavaScript files in place and keeps the declarations (the CLI's integration
 * test uses it to run the current sources: esbuild takes well under a second).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const withTypes = !process.argv.includes('--no-types');

if (withTypes) rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  legalComments: 'none',
  logLevel: 'warning',
};
await Promise.all([
  build({ ...common, entryPoints: ['src/index.ts'], format: 'esm', outfile: 'dist/index.mjs' }),
  build({ ...common, entryPoints: ['src/index.ts'], format: 'cjs', outfile: 'dist/index.cjs' }),
  build({ ...common, entryPoints: ['src/cli/bin.ts'], format: 'esm', outfile: 'dist/cli.mjs' }),
]);

if (withTypes) {
  // The tsc of this workspace (or of the repository root, where npm hoists it).
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/package.json').replace(/package\.json$/, 'bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`tsc (declarations) exited ${result.status ?? result.signal}`);
  // One entry per module format, both over the same declarations.
  writeFileSync(join(dist, 'index.d.mts'), "export * from './types/index.js';\n");
  writeFileSync(join(dist, 'index.d.cts'), "export * from './types/index.js';\n");
}
