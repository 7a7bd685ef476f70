/**
 * The client package depends on nothing of the service: every module under
 * packages/client/src imports only files inside packages/client, Node's
 * built-ins, or the package's own declared dependencies (the service
 * imports the client's error table, never the other way round).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';

const PACKAGE = resolve(__dirname, '../../packages/client');
const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
const DEPENDENCIES = new Set(Object.keys(manifest.dependencies ?? {}));

/** Module specifiers of static imports/exports, dynamic imports and requires (outside comments). */
function specifiersOf(text: string): string[] {
  const source = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1] as string);
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((file) => /\.(m|c)?[jt]s$/.test(file))
    .map((file) => join(dir, file));
}

const packageName = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

test('the scanner sees every kind of import (a check of the check)', () => {
  const sample = `/** import x from 'commented-out' */\n// import y from 'also-commented'\nimport a from './a';\nimport type { B } from "../../lambdas/b";\nexport * from './c';\nimport './d';\nconst e = await import('e');\nconst f = require('node:fs');\nexport { g } from 'commander';`;
  expect(specifiersOf(sample)).toEqual(['./a', '../../lambdas/b', './c', 'commander', './d', 'e', 'node:fs']);
});

test('packages/client imports nothing outside itself but Node built-ins and its declared dependencies', () => {
  const files = [...sources(join(PACKAGE, 'src')), ...sources(join(PACKAGE, 'scripts'))];
  expect(files.length).toBeGreaterThan(20);
  const offending: string[] = [];
  for (const file of files) {
    for (const specifier of specifiersOf(readFileSync(file, 'utf8'))) {
      const where = `${relative(PACKAGE, file)} imports '${specifier}'`;
      if (specifier.startsWith('.')) {
        const target = resolve(file, '..', specifier);
        if (target !== PACKAGE && !target.startsWith(PACKAGE + sep)) offending.push(where);
      } else if (specifier.startsWith('node:') || builtinModules.includes(specifier)) {
        continue;
      } else if (!DEPENDENCIES.has(packageName(specifier)) && !(file.includes(`${sep}scripts${sep}`) && packageName(specifier) === 'esbuild')) {
        offending.push(where);
      }
    }
  }
  expect(offending).toEqual([]);
});
