/**
 * The console's share-group and push-subscription views in headless Chromium,
 * against the real routes of the local stack: a share group created by a
 * receive, a subscription delivering to a loopback receiver answering 204.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { buildConsole } from '../../console/build';
import { startTestStack, type TestStack } from '../support/backends';
import { ApiClient } from '../support/http';
import { findChromium, launchChromium, type RunningBrowser } from './chromium';

const chromiumPath = findChromium();
if (!chromiumPath) {
  console.warn('Browser tests skipped: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH).');
}
const describeInBrowser = chromiumPath ? describe : describe.skip;

const TOPIC = 'deliveries';
const SHARE = 'workers';
const SUB = 'webhook';
const COUNT = 9;

describeInBrowser('web console: share groups and subscriptions in Chromium', () => {
  let stack: TestStack;
  let api: ApiClient;
  let running: RunningBrowser;
  let page: Page;
  let receiver: Server;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await buildConsole();
    stack = await startTestStack({ local: true });
    api = new ApiClient(stack.url, stack.token);
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    const must = (r: { status: number; text: string }, what: string) => {
      if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${r.text}`);
    };
    must(await api.post('/v1/topics', { name: TOPIC, partitions: 2 }), 'create topic');
    const records = Array.from({ length: COUNT }, (_, i) => ({ key: `k${i}`, value: { n: i }, partition: i % 2 }));
    must(await api.post(`/v1/topics/${TOPIC}/records`, { records }), 'produce');
    must(await api.post(`/v1/share-groups/${SHARE}/receive`, { topic: TOPIC, consumerId: 'w1', autoOffsetReset: 'earliest', maxRecords: 2 }), 'receive');
    must(
      await api.post(`/v1/topics/${TOPIC}/subscriptions`, { name: SUB, target: { type: 'https', url: `http://127.0.0.1:${port}/` } }),
      'subscribe',
    );
    running = await launchChromium(chromiumPath as string);
    page = await running.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(`${stack.url}/console/`);
    await page.getByLabel('Token').fill(stack.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await running?.close();
    await stack?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it("lists the share group and the subscription among the topic's readers, with their lag", async () => {
    const listed = await api.get(`/v1/topics/${TOPIC}/groups`);
    const readers = listed.body.groups as Array<{ group: string; type: string; lag: number }>;
    const share = readers.find((g) => g.type === 'share' && g.group === SHARE);
    const sub = readers.find((g) => g.type === 'subscription' && g.group === SUB);
    expect(share).toBeDefined();
    expect(sub).toBeDefined();
    await page.goto(`${stack.url}/console/#/groups?topic=${TOPIC}`);
    const shareItem = page.locator('.reader-list.stacked li', { hasText: SHARE });
    const subItem = page.locator('.reader-list.stacked li', { hasText: SUB });
    await expect(shareItem.textContent()).resolves.toMatch(/share.*lag \d+/);
    await expect(subItem.textContent()).resolves.toMatch(/subscription.*lag \d+/);
  });

  it('shows the share group per partition: start offset, acquired and available', async () => {
    const described = await api.get(`/v1/share-groups/${SHARE}?topic=${TOPIC}`);
    expect(described.status).toBe(200);
    await page.goto(`${stack.url}/console/#/groups?topic=${TOPIC}&group=${SHARE}&type=share`);
    const rows = page.getByTestId('share-partitions').locator('tbody tr');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(2);
    const headers = await page.getByTestId('share-partitions').locator('thead th').allTextContents();
    expect(headers).toEqual(expect.arrayContaining(['Start offset', 'Acquired', 'Available']));
    // Two records were received (acquired) by w1; the rest of the 9 are available.
    const cells = await Promise.all([0, 1].map((i) => rows.nth(i).locator('td').allTextContents()));
    const col = (name: string) => headers.indexOf(name) - 1;
    const acquired = cells.reduce((sum, c) => sum + Number(c[col('Acquired')]), 0);
    const available = cells.reduce((sum, c) => sum + Number(c[col('Available')]), 0);
    expect(acquired).toBe(2);
    expect(available).toBe(COUNT - 2);
  });

  it("shows the subscription's state and per-partition lag, and pauses then resumes it", async () => {
    await page.goto(`${stack.url}/console/#/groups?topic=${TOPIC}&group=${SUB}&type=subscription`);
    const detail = page.getByTestId('subscription-detail');
    await expect(detail.locator('.badge').first().textContent()).resolves.toBe('active');
    const rows = detail.locator('tbody tr');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(2);
    await expect(rows.first().locator('td').nth(1).textContent()).resolves.toMatch(/^\d+$/);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    expect((await api.get(`/v1/topics/${TOPIC}/subscriptions/${SUB}`)).body.state).toBe('paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    expect((await api.get(`/v1/topics/${TOPIC}/subscriptions/${SUB}`)).body.state).toBe('active');
  });

  it('raised no uncaught error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
