/**
 * Finds and launches the system's Chromium (Debian's `chromium` package)
 * with playwright-core. Nothing here downloads a browser: without a
 * Chromium on the machine the browser tests are skipped with a message.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium', '/usr/bin/google-chrome'];

/** The Chromium to drive: CHROMIUM_PATH, else the first of the usual install paths that exists. */
export function findChromium(): string | undefined {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return existsSync(configured) ? configured : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

export interface RunningBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile, and a context (window) of the given size. */
export async function launchChromium(executablePath: string, viewport = { width: 1280, height: 860 }): Promise<RunningBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'tributary-chromium-'));
  // A fresh profile per run (playwright passes it as --user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    viewport,
    deviceScaleFactor: 1,
    reducedMotion: 'reduce',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
