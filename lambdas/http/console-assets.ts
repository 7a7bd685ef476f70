/**
 * Serves the built web console (console/dist) under `/console/`: the same
 * answers from the local server and from the `console` Lambda function on
 * the deployed REST API. Content-hashed assets are cached for a year;
 * `index.html` is never cached; every answer carries a strict
 * Content-Security-Policy (no inline script or style, nothing from other
 * origins, API calls to this origin only).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

const TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

/** An asset name as the build writes it: `name-HASH.ext`, nothing that could climb out of the folder. */
const ASSET = /^[A-Za-z0-9_-]+\.(js|css)$/;

export interface ConsoleResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

function notFound(what: string): ConsoleResponse {
  return {
    statusCode: 404,
    headers: { ...SECURITY_HEADERS, 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' },
    body: JSON.stringify({ error: { code: 'NOT_FOUND', message: `The console has no ${what}.` } }),
  };
}

/**
 * The answer for a GET under `/console` (`path` without any stage prefix,
 * e.g. `/console/`, `/console/assets/main-AB12.js`). `basePath` is what
 * precedes `/console` in the browser's URL (a stage name on AWS, `` locally):
 * index.html names its assets with it, so `/console` without the slash works too.
 */
export function consoleResponse(dir: string, path: string, basePath = ''): ConsoleResponse {
  const rest = path.replace(/^\/console\/?/, '');
  if (rest === '' || rest === 'index.html') {
    const index = join(dir, 'index.html');
    if (!existsSync(index)) return notFound('build here (run npm run console:build)');
    const html = readFileSync(index, 'utf8').replaceAll('./assets/', `${basePath}/console/assets/`);
    return { statusCode: 200, headers: { ...SECURITY_HEADERS, 'Content-Type': TYPES.html as string, 'Cache-Control': 'no-cache' }, body: html };
  }
  const match = /^assets\/(.+)$/.exec(rest);
  const name = match?.[1];
  if (!name || !ASSET.test(name)) return notFound(`file '${rest}'`);
  const file = join(dir, 'assets', name);
  if (!existsSync(file)) return notFound(`file '${rest}'`);
  const ext = name.slice(name.lastIndexOf('.') + 1);
  return {
    statusCode: 200,
    headers: { ...SECURITY_HEADERS, 'Content-Type': TYPES[ext] as string, 'Cache-Control': 'public, max-age=31536000, immutable' },
    body: readFileSync(file, 'utf8'),
  };
}

/** True for the paths the console serves. */
export function isConsolePath(path: string): boolean {
  return path === '/console' || path.startsWith('/console/');
}
