/**
 * Builds the web console (console/src, Preact + esbuild) into console/dist:
 * `assets/main-<hash>.js` and `assets/styles-<hash>.css` (content-hashed, so
 * they are cached for a year) and `index.html` (never cached) naming them.
 * Everything is bundled: nothing is loaded from elsewhere at run time.
 *
 * `npx tsx console/build.ts` builds; `--if-stale` skips the build when
 * dist/index.html is newer than every source file. Prints the size.
 */
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const CONSOLE_SRC = join(__dirname, 'src');
export const CONSOLE_DIST = join(__dirname, 'dist');

export interface ConsoleBuild {
  /** Output directory (holds index.html and assets/). */
  readonly dir: string;
  /** File names under assets/. */
  readonly assets: string[];
  /** Bytes of index.html and every asset, and the same gzipped (level 9). */
  readonly bytes: number;
  readonly gzipBytes: number;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** True when dist/ exists and is newer than the sources (and this script). */
export function consoleIsFresh(outDir = CONSOLE_DIST): boolean {
  const index = join(outDir, 'index.html');
  if (!existsSync(index)) return false;
  const sources = Math.max(newestMtime(CONSOLE_SRC), statSync(__filename).mtimeMs);
  return statSync(index).mtimeMs >= sources;
}

/** Measures a built console: raw and gzipped bytes of everything it serves. */
export function measureConsole(dir = CONSOLE_DIST): ConsoleBuild {
  const assets = readdirSync(join(dir, 'assets'));
  const files = [join(dir, 'index.html'), ...assets.map((a) => join(dir, 'assets', a))];
  let bytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const content = readFileSync(file);
    bytes += content.length;
    gzipBytes += gzipSync(content, { level: 9 }).length;
  }
  return { dir, assets, bytes, gzipBytes };
}

/** Builds the console into `outDir` (default console/dist), replacing what was there. */
export async function buildConsole(outDir = CONSOLE_DIST): Promise<ConsoleBuild> {
  const assetsDir = join(outDir, 'assets');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(assetsDir, { recursive: true });
  const result = await build({
    entryPoints: [join(CONSOLE_SRC, 'main.tsx'), join(CONSOLE_SRC, 'styles.css')],
    outdir: assetsDir,
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
  const js = outputs.find((f) => f.endsWith('.js'));
  const css = outputs.find((f) => f.endsWith('.css'));
  if (!js || !css) throw new Error(`The console build produced no script or stylesheet: ${outputs.join(', ')}`);
  const html = readFileSync(join(CONSOLE_SRC, 'index.html'), 'utf8').replace('{{js}}', js).replace('{{css}}', css);
  writeFileSync(join(outDir, 'index.html'), html);
  return measureConsole(outDir);
}

/** Builds unless dist/ is already newer than the sources. */
export async function ensureConsoleBuilt(outDir = CONSOLE_DIST): Promise<ConsoleBuild> {
  return consoleIsFresh(outDir) ? measureConsole(outDir) : buildConsole(outDir);
}

if (require.main === module) {
  const ifStale = process.argv.includes('--if-stale');
  (ifStale ? ensureConsoleBuilt() : buildConsole()).then(
    (built) => {
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
      console.log(`console: ${built.dir} — ${kb(built.bytes)}, ${kb(built.gzipBytes)} gzipped (${built.assets.join(', ')})`);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
