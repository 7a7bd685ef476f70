/**
 * `npm start`: runs the whole service locally (see local/stack.ts) on
 * 127.0.0.1:$PORT (default 4000), keeping its data under `.local/` in the
 * repository root so a restart loses nothing. Once ready it writes
 * `.local/stack.json` = {"url", "token"}; it removes that file and stops
 * DynamoDB Local (no orphan JVM) on SIGINT/SIGTERM, and when its parent
 * process dies (e.g. `tsx`, killed with SIGKILL). A start refused because
 * another stack holds the directory leaves that stack's files alone.
 * TRIBUTARY_LOCAL_DIR replaces `.local/` (tests use a temp dir).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startLocalStack, type LocalStack } from '../local/stack';

const root = resolve(__dirname, '..');
const dataDir = process.env.TRIBUTARY_LOCAL_DIR || join(root, '.local');
const stackFile = join(dataDir, 'stack.json');
/** Set once this process wrote stack.json: only then is it ours to remove. */
let wroteStackFile = false;

/**
 * Middy 7 is ESM-only (its exports have only an `import` condition) while tsx
 * loads this CommonJS project's handlers with require(): map `@middy/<name>`
 * to its index.js, as jest.config.js does, and Node 22's require(esm) loads it.
 * (Deployed, esbuild bundles the handlers, so this is local-only.)
 */
if (typeof registerHooks !== 'function') {
  throw new Error(`The local stack needs Node 22.15+ (this is ${process.version}); run it with npm start`);
}
registerHooks({
  resolve(specifier, context, nextResolve) {
    const middy = /^@middy\/([a-z-]+)$/.exec(specifier);
    if (!middy) return nextResolve(specifier, context);
    return nextResolve(pathToFileURL(join(root, 'node_modules', '@middy', middy[1] as string, 'index.js')).href, context);
  },
});

function readPort(): number {
  const raw = process.env.PORT ?? '4000';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got '${raw}'`);
  return port;
}

function readArchiveInterval(): number | undefined {
  const raw = process.env.LOCAL_ARCHIVE_INTERVAL_MS;
  if (raw === undefined || raw === '') return 60_000; // API.md: the archiver runs on a timer; once a minute by default
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) throw new Error(`LOCAL_ARCHIVE_INTERVAL_MS must be a positive integer, got '${raw}'`);
  return ms;
}

async function main(): Promise<void> {
  const started = Date.now();
  const starting: Promise<LocalStack> = startLocalStack({
    dataDir,
    port: readPort(),
    archiveIntervalMs: readArchiveInterval(),
    server: { accessLog: process.env.LOCAL_ACCESS_LOG !== '0' },
  });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the local stack…\n`);
    if (wroteStackFile) rmSync(stackFile, { force: true });
    let code = 0;
    try {
      // A signal during start-up waits for it, so whatever was started is stopped.
      const stack = await starting.catch(() => undefined);
      await stack?.stop();
    } catch (error) {
      process.stderr.write(`Stopping failed: ${String(error)}\n`);
      code = 1;
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // `npm start` runs this file under tsx, which runs it in a child process: if tsx is killed
  // (SIGKILL cannot be relayed), this process is re-parented. Stop then, rather than live on
  // as an orphan holding the port, the lock and DynamoDB Local.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown('parent process exited');
  }, 500).unref();

  const stack = await starting;
  if (stopping) return;
  writeFileSync(stackFile, `${JSON.stringify({ url: stack.url, token: stack.token })}\n`, { mode: 0o600 });
  wroteStackFile = true;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    [
      `Tributary is running at ${stack.url} (ready in ${seconds} s; data in ${dataDir})`,
      '',
      `Development token (all permissions; also in .local/stack.json):`,
      `  ${stack.token}`,
      '',
      'Try:',
      `  curl -s -H "Authorization: Bearer ${stack.token}" ${stack.url}/v1/topics`,
      '',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`Could not start the local stack: ${error instanceof Error ? error.message : String(error)}\n`);
  // Only our own stack.json: a start refused by the lock must not break the running stack's CLI.
  if (wroteStackFile) rmSync(stackFile, { force: true });
  process.exit(1);
});
