/**
 * `npm run screenshots`: starts a throwaway local stack (its own DynamoDB
 * Local and S3 emulator), fills it with demo data, opens the console in
 * headless Chromium and writes docs/screenshots/*.png — one per main view.
 * Needs Debian's `chromium` (or CHROMIUM_PATH); downloads nothing.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerHooks } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildConsole } from '../console/build';
import { startDynamoDbLocal, startS3rver } from '../local/emulators';
import { startLocalStack } from '../local/stack';
import { findChromium, launchChromium } from '../test/browser/chromium';
import { seedDemo } from '../test/browser/console-fixture';
import { ApiClient } from '../test/support/http';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'docs', 'screenshots');

// The handlers load middy (ESM-only) with require(): map it as bin/local.ts does.
registerHooks({
  resolve(specifier, context, nextResolve) {
    const middy = /^@middy\/([a-z-]+)$/.exec(specifier);
    if (!middy) return nextResolve(specifier, context);
    return nextResolve(pathToFileURL(join(ROOT, 'node_modules', '@middy', middy[1] as string, 'index.js')).href, context);
  },
});

async function main(): Promise<void> {
  const executable = findChromium();
  if (!executable) throw new Error('No Chromium found: apt-get install chromium, or set CHROMIUM_PATH');
  const built = await buildConsole();
  console.log(`console built: ${(built.gzipBytes / 1024).toFixed(1)} KB gzipped`);
  // Emulators started here, with room for a slow JVM start on a busy machine.
  const [dynamodb, s3] = await Promise.all([startDynamoDbLocal({ readyTimeoutMs: 90_000 }), startS3rver()]);
  const stack = await startLocalStack({ port: 0, emulators: { dynamodbEndpoint: dynamodb.endpoint, s3Endpoint: s3.endpoint } });
  const browser = await launchChromium(executable, { width: 1280, height: 820 });
  // The push subscription's target: a loopback receiver answering 204 (the local stack allows loopback http).
  const receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    const api = new ApiClient(stack.url, stack.token);
    const demo = await seedDemo(api);
    // A share group that received a few records (some acquired, the rest available) and a subscription.
    const port = (receiver.address() as AddressInfo).port;
    for (const [path, body] of [
      ['/v1/share-groups/fulfilment/receive', { topic: demo.orders, consumerId: 'packer-1', autoOffsetReset: 'earliest', maxRecords: 5 }],
      [`/v1/topics/${demo.orders}/subscriptions`, { name: 'warehouse-webhook', target: { type: 'https', url: `http://127.0.0.1:${port}/orders` } }],
    ] as const) {
      const r = await api.post(path, body);
      if (r.status >= 300) throw new Error(`POST ${path}: HTTP ${r.status} ${r.text}`);
    }
    mkdirSync(OUT, { recursive: true });
    const page = await browser.context.newPage();
    const shot = async (name: string) => {
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: false });
      console.log(`wrote docs/screenshots/${name}.png`);
    };

    await page.goto(`${stack.url}/console/`);
    await shot('sign-in');
    await page.getByLabel('Token').fill(stack.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: demo.orders, exact: true }).waitFor();
    await shot('topics');

    await page.goto(`${stack.url}/console/#/topics/${demo.orders}`);
    await page.getByText(`${demo.ordersCount} records loaded`).waitFor();
    await page.getByLabel('Search loaded records').fill(demo.needle);
    await page.locator('table.records tbody tr').first().getByRole('button').click();
    await page.evaluate("window.scrollTo(0, document.getElementById('records-title').getBoundingClientRect().top + window.scrollY - 70)");
    await shot('topic-records');

    await page.goto(`${stack.url}/console/#/groups?topic=${demo.orders}&group=${demo.group}&type=consumer`);
    await page.getByTestId('group-lag').waitFor();
    await shot('groups');

    await page.goto(`${stack.url}/console/#/groups?topic=${demo.orders}&group=fulfilment&type=share`);
    await page.getByTestId('share-partitions').locator('tbody tr').first().waitFor();
    await shot('share-group');

    await page.goto(`${stack.url}/console/#/groups?topic=${demo.orders}&group=warehouse-webhook&type=subscription`);
    await page.getByTestId('subscription-detail').locator('tbody tr').first().waitFor();
    await shot('subscription');

    await page.goto(`${stack.url}/console/#/dead-letters?topic=${demo.payments}`);
    await page.getByText('card declined: insufficient funds').waitFor();
    await page.getByLabel(/^Select dead letter 0\/0 of ledger/).check();
    await shot('dead-letters');

    await page.goto(`${stack.url}/console/#/tokens`);
    await page.getByLabel('Name', { exact: true }).fill('ci-deployer');
    await page.getByLabel('Topics (pattern 1)').fill('orders*');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByTestId('new-secret').waitFor();
    await shot('tokens');

    await page.setViewportSize({ width: 390, height: 820 });
    await page.goto(`${stack.url}/console/#/topics/${demo.orders}`);
    await page.getByText(`${demo.ordersCount} records loaded`).waitFor();
    await shot('narrow-topic');
  } finally {
    await browser.close();
    await stack.stop();
    await new Promise((resolve) => receiver.close(resolve));
    await Promise.all([dynamodb.stop(), s3.stop()]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
