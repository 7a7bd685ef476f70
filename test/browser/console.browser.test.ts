/**
 * The web console in a real headless Chromium (Debian's `chromium`, driven
 * by playwright-core; nothing downloads a browser) against the local stack's
 * server — the same server `npm start` runs, with the console it serves at
 * /console/. Skipped, saying why, only when no Chromium is installed.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { buildConsole } from '../../console/build';
import { startTestStack, type TestStack } from '../support/backends';
import { ApiClient } from '../support/http';
import { findChromium, launchChromium, type RunningBrowser } from './chromium';
import { seedDemo, type Demo } from './console-fixture';

const chromiumPath = findChromium();
if (!chromiumPath) {
  console.warn('Browser tests skipped: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH).');
}
const describeInBrowser = chromiumPath ? describe : describe.skip;

describeInBrowser('web console in Chromium', () => {
  let stack: TestStack;
  let api: ApiClient;
  let demo: Demo;
  let running: RunningBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  const open = async (hash: string) => {
    await page.goto(`${stack.url}/console/${hash}`);
  };

  const signIn = async (token: string) => {
    await open('');
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  };

  beforeAll(async () => {
    await buildConsole();
    stack = await startTestStack({ local: true });
    api = new ApiClient(stack.url, stack.token);
    demo = await seedDemo(api);
    running = await launchChromium(chromiumPath as string);
    page = await running.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // A 403 the console shows as a message is expected; any other error logged is a failure.
      if (message.type() === 'error' && !/status of 40[34]/.test(message.text())) pageErrors.push(message.text());
    });
  }, 120_000);

  afterAll(async () => {
    await running?.close();
    await stack?.stop();
  });

  it('serves the console with a strict Content-Security-Policy, index.html uncached and hashed assets cached for long', async () => {
    const response = await page.goto(`${stack.url}/console/`);
    expect(response?.status()).toBe(200);
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['cache-control']).toBe('no-cache');
    const script = await page.locator('script[src]').getAttribute('src');
    expect(script).toMatch(/^\/console\/assets\/main-[A-Z0-9]+\.js$/);
    const asset = await fetch(`${stack.url}${script}`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${stack.url}/console/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
  });

  it('signs in with a token kept in sessionStorage, never in the URL, and lists the topics', async () => {
    await signIn(stack.token);
    expect(page.url()).not.toContain(stack.token);
    expect(await page.evaluate(() => sessionStorage.getItem('tributary.token'))).toBe(stack.token);
    await page.getByRole('link', { name: demo.orders, exact: true }).waitFor();
    const row = page.getByRole('row', { name: new RegExp(`^${demo.orders} 3`) });
    await expect(row.textContent()).resolves.toContain('billing');
  });

  it('refuses a wrong token with a clear message', async () => {
    const other = await running.context.newPage();
    await other.goto(`${stack.url}/console/`);
    await other.evaluate(() => sessionStorage.clear());
    await other.reload();
    await other.getByLabel('Token').fill('trb_0000000000000000_' + 'A'.repeat(43));
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByText('That token is not valid').waitFor();
    await other.close();
  });

  it("browses a topic's records and finds one by text, pretty-printing its JSON", async () => {
    await open(`#/topics/${demo.orders}`);
    await page.getByText(`${demo.ordersCount} records loaded`).waitFor();
    await page.getByLabel('Search loaded records').fill(demo.needle);
    await page.getByText(`1 of ${demo.ordersCount} loaded records match`).waitFor();
    const rows = page.locator('table.records tbody tr');
    await expect(rows.count()).resolves.toBe(1);
    await rows.first().getByRole('button').click();
    const detail = page.locator('.record-detail pre');
    await expect(detail.textContent()).resolves.toContain(`"note": "${demo.needle}"`);
    await expect(page.locator('.record-detail').textContent()).resolves.toContain('order-1017');
    // Export: the records that match, as JSON lines.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON lines' }).click()]);
    expect(download.suggestedFilename()).toBe(`${demo.orders}-records.jsonl`);
    const lines = readFileSync(await download.path(), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ key: 'order-1017', value: { orderId: 1017 } });
  });

  it('shows a binary value as hex and searches by header', async () => {
    await page.getByLabel('Search loaded records').fill('blob');
    await page.getByLabel('In', { exact: true }).selectOption('key');
    await page.locator('table.records tbody tr').first().getByRole('button').click();
    await expect(page.locator('.record-detail pre').textContent()).resolves.toMatch(/00000000 {2}00 01 62 69 6e/);
    await page.getByLabel('Search loaded records').fill('region=ap');
    await page.getByLabel('In', { exact: true }).selectOption('header');
    await page.getByText(`12 of ${demo.ordersCount} loaded records match`).waitFor();
  });

  it('produces a record from the form and shows where it was stored', async () => {
    await page.getByLabel('Search loaded records').fill('');
    await page.getByLabel('Key', { exact: true }).fill('from-console');
    await page.getByLabel('Value', { exact: true }).fill('{"made": "in the browser"}');
    await page.getByRole('button', { name: 'Produce', exact: true }).click();
    await page.getByText(/Stored at partition \d, offset \d+\./).waitFor();
    await page.getByText(`${demo.ordersCount + 1} records loaded`).waitFor();
  });

  it('tails new records live, as they are produced', async () => {
    await page.getByRole('button', { name: 'Live tail' }).click();
    await page.getByText('· tailing').waitFor();
    await api.post(`/v1/topics/${demo.orders}/records`, { records: [{ key: 'tailed', value: { live: 'tail-marker' } }] });
    await page.getByText(`${demo.ordersCount + 2} records loaded`).waitFor();
    await page.getByRole('cell', { name: 'tailed' }).waitFor();
    await page.getByRole('button', { name: 'Stop live tail' }).click();
    await page.getByText('· tailing').waitFor({ state: 'detached' });
  });

  it("shows a group's lag per partition and in total", async () => {
    await open(`#/groups?topic=${demo.orders}&group=${demo.group}&type=consumer`);
    // Every record: the seeded ones, the one produced from the form and the tailed one.
    await expect(page.getByTestId('group-lag').textContent()).resolves.toBe(String(demo.ordersCount + 2));
    await page.getByRole('heading', { name: /billing/ }).waitFor();
    const readers = page.locator('.reader-list li', { hasText: demo.group });
    await expect(readers.first().textContent()).resolves.toContain(`lag ${demo.ordersCount + 2}`);
  });

  it('redrives a dead letter after a confirmation, and it is gone', async () => {
    await open(`#/dead-letters?topic=${demo.payments}`);
    await page.getByText('card declined: insufficient funds').waitFor();
    const before = (await api.get(`/v1/topics/${demo.payments}`)).body.partitions[0].endOffset as number;
    await page.getByLabel(/^Select dead letter 0\/0 of ledger/).check();
    await page.getByRole('button', { name: 'Redrive selected (1)' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Redrive' }).click();
    await page.getByText('Redriven: 1.').waitFor();
    await page.getByText('card declined: insufficient funds').waitFor({ state: 'detached' });
    await page.getByText('upstream timeout after 15000 ms').waitFor();
    const letters = await api.get(`/v1/topics/${demo.payments}/dead-letters`);
    expect(letters.body.deadLetters).toHaveLength(1);
    const fetched = await api.get(`/v1/topics/${demo.payments}/partitions/0/records?offset=earliest`);
    const redriven = (fetched.body.records as Array<{ offset: number; headers: Record<string, string> }>).find((r) => r.offset === before);
    expect(redriven?.headers['x-dlq-group']).toBe(demo.dlqGroup);
  });

  it('creates a token with permissions, shows its secret once, and revokes it', async () => {
    await open('#/tokens');
    await page.getByLabel('Name', { exact: true }).fill('browser-made');
    await page.getByLabel('Topics (pattern 1)').fill('orders*');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.getByTestId('new-secret').textContent()) ?? '';
    expect(secret).toMatch(/^trb_[0-9a-f]{16}_/);
    const me = await api.get('/v1/whoami', { token: secret });
    expect(me.body).toMatchObject({ name: 'browser-made', permissions: [{ topics: 'orders*', actions: ['consume'] }] });
    await page.getByRole('button', { name: 'Revoke browser-made' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Revoke browser-made' }).waitFor({ state: 'detached' });
    expect((await api.get('/v1/whoami', { token: secret })).status).toBe(401);
  });

  it('works with a narrow token: sees only its topics, and says so on a 403', async () => {
    const narrow = await api.post('/v1/tokens', { name: 'narrow', permissions: [{ topics: demo.orders, actions: ['produce'] }] });
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.evaluate(() => sessionStorage.getItem('tributary.token'))).toBeNull();
    await signIn(narrow.body.token);
    await page.getByRole('link', { name: demo.orders, exact: true }).waitFor();
    await expect(page.getByRole('link', { name: demo.payments, exact: true }).count()).resolves.toBe(0);
    await open('#/tokens');
    await page.getByText('Not permitted').first().waitFor();
    await expect(page.locator('.note-forbidden').first().textContent()).resolves.toContain('Your token may not see');
  });

  it('is usable from the keyboard, with a visible focus ring', async () => {
    await open('#/topics');
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement.textContent')).resolves.toBe('Skip to content');
    await page.keyboard.press('Tab');
    // (Strings: this project's type-check has no DOM library.)
    const focused = (await page.evaluate(
      '({ tag: document.activeElement.tagName, outline: getComputedStyle(document.activeElement).outlineStyle })',
    )) as { tag: string; outline: string };
    expect(focused.tag).toBe('A');
    expect(focused.outline).toBe('solid');
  });

  it('fits a narrow window without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await open('#/topics');
    await page.getByRole('link', { name: demo.orders, exact: true }).waitFor();
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('raised no uncaught error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
