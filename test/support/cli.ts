/**
 * The `tributary` CLI as the tests run it: the client package's compiled
 * bin (packages/client/dist/cli.mjs), rebuilt from the sources when they are
 * newer than it (JavaScript only: `scripts/build.mjs --no-types`, under a
 * second), so a test never runs a stale bin.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CLIENT_PACKAGE = resolve(__dirname, '../../packages/client');
export const CLI_BIN = resolve(CLIENT_PACKAGE, 'dist/cli.mjs');

function newestSource(): number {
  const src = join(CLIENT_PACKAGE, 'src');
  return Math.max(
    ...readdirSync(src, { recursive: true })
      .map(String)
      .filter((file) => file.endsWith('.ts'))
      .map((file) => statSync(join(src, file)).mtimeMs),
  );
}

function builtAt(): number {
  try {
    return statSync(CLI_BIN).mtimeMs;
  } catch {
    return 0;
  }
}

/** Builds the bin when it is missing or older than a source; returns its path. */
export function buildCli(): string {
  if (builtAt() > newestSource()) return CLI_BIN;
  const build = spawnSync(process.execPath, [join(CLIENT_PACKAGE, 'scripts/build.mjs'), '--no-types'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`building the client package failed: ${build.stderr}`);
  return CLI_BIN;
}
