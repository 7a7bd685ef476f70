/**
 * The web console's build and how it is served (lambdas/http/console-assets.ts,
 * used by the local server and the `console` Lambda): size budget, nothing
 * loaded from elsewhere, cache headers, the CSP, and no way out of the folder.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConsole, type ConsoleBuild } from '../../console/build';
import { CONSOLE_CSP, consoleResponse, isConsolePath } from '../../lambdas/http/console-assets';
import { handler } from '../../lambdas/handlers/console';

/** The console's budget: everything it serves, gzipped. */
const MAX_GZIP_BYTES = 300 * 1024;

let dir: string;
let built: ConsoleBuild;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-console-'));
  built = await buildConsole(dir);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the console build', () => {
  it(`stays under ${MAX_GZIP_BYTES / 1024} KB gzipped`, () => {
    console.log(`console bundle: ${(built.bytes / 1024).toFixed(1)} KB, ${(built.gzipBytes / 1024).toFixed(1)} KB gzipped`);
    expect(built.gzipBytes).toBeGreaterThan(1000);
    expect(built.gzipBytes).toBeLessThan(MAX_GZIP_BYTES);
  });

  it('writes one hashed script and one hashed stylesheet, and index.html names them', () => {
    expect(built.assets.filter((a) => /^main-[A-Z0-9]+\.js$/.test(a))).toHaveLength(1);
    expect(built.assets.filter((a) => /^styles-[A-Z0-9]+\.css$/.test(a))).toHaveLength(1);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    for (const asset of built.assets) expect(html).toContain(`./assets/${asset}`);
  });

  it('loads nothing from another origin and has no inline script or style', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<script>(?!\s*<\/script>)|<script(?![^>]*\bsrc=)[^>]*>|<style|style="/);
    const css = readFileSync(join(dir, 'assets', built.assets.find((a) => a.endsWith('.css')) as string), 'utf8');
    expect(css).not.toMatch(/@import|url\((?!data:)/);
  });
});

describe('consoleResponse', () => {
  it('serves index.html uncached, with the CSP, naming the assets under the base path', () => {
    const page = consoleResponse(dir, '/console/', '/prod');
    expect(page.statusCode).toBe(200);
    expect(page.headers['Content-Security-Policy']).toBe(CONSOLE_CSP);
    expect(page.headers['Cache-Control']).toBe('no-cache');
    expect(page.headers['Content-Type']).toMatch(/^text\/html/);
    expect(page.body).toContain('src="/prod/console/assets/main-');
    expect(consoleResponse(dir, '/console').body).toContain('src="/console/assets/main-');
  });

  it('serves hashed assets for a year, immutable', () => {
    const script = built.assets.find((a) => a.endsWith('.js')) as string;
    const asset = consoleResponse(dir, `/console/assets/${script}`);
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['Cache-Control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['Content-Type']).toMatch(/^text\/javascript/);
    expect(asset.headers['X-Content-Type-Options']).toBe('nosniff');
  });

  it.each([
    '/console/assets/../index.html',
    '/console/assets/..%2F..%2Fpackage.json',
    '/console/assets/nope-ABC.js',
    '/console/assets/',
    '/console/other.html',
    '/console/assets/a/b.js',
  ])('answers 404 for %s', (path) => {
    const answer = consoleResponse(dir, path);
    expect(answer.statusCode).toBe(404);
    expect(JSON.parse(answer.body).error.code).toBe('NOT_FOUND');
  });

  it('tells console paths from API paths', () => {
    expect(isConsolePath('/console')).toBe(true);
    expect(isConsolePath('/console/assets/x.js')).toBe(true);
    expect(isConsolePath('/consoles')).toBe(false);
    expect(isConsolePath('/v1/topics')).toBe(false);
  });
});

describe('the console Lambda handler', () => {
  it('serves the console under the stage prefix API Gateway puts in requestContext.path', async () => {
    process.env.TRIBUTARY_CONSOLE_DIR = dir;
    jest.resetModules();
    const { handler: fresh } = (await import('../../lambdas/handlers/console')) as { handler: typeof handler };
    const event = { httpMethod: 'GET', path: '/console/', requestContext: { path: '/prod/console/' } };
    const answer = await fresh(event as never);
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain('/prod/console/assets/');
    const post = await fresh({ ...event, httpMethod: 'POST' } as never);
    expect(post.statusCode).toBe(405);
  });
});
