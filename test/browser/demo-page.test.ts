/**
 * The demo chat page as people use it, in headless Chromium against a local stack: two
 * users, receipts, rooms, offline sends, errors, backend traffic, a phone-width screen,
 * dates. Screenshots go to test/artifacts/ for a person to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { startTestStack } from '../helpers/local-stack.js';
import { PushApiClient } from '../helpers/push-api-client.js';
import { closedPort, CuttableProxy } from './cuttable-proxy.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const ARTIFACTS = new URL('../artifacts/', import.meta.url);
const haveChromium = existsSync(CHROMIUM);
const HOW_TO = `Chromium not found at ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\` (Debian/Ubuntu) to run the browser test`;
const WAIT = { timeout: 15_000 };

if (!haveChromium && !process.env.CI) console.warn(`skipping the browser test. ${HOW_TO}`);

interface OpenOptions {
  viewport?: { width: number; height: number };
  /** Replaces what `/demo/config` says (the page's WebSocket URL, its send timeout). */
  config?: Record<string, unknown>;
  /** Runs before the page loads (routes, clock). */
  before?: (page: Page) => Promise<void>;
  /** Wait for the connection to open (default true when a user is given). */
  waitOpen?: boolean;
}

describe.skipIf(!haveChromium && !process.env.CI)('demo chat page in headless Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Every HTTP answer of 400 or more any page got, and every request that failed. */
  const failures: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`CI is set and ${HOW_TO}`);
    mkdirSync(ARTIFACTS, { recursive: true });
    [stack, browser] = await Promise.all([startTestStack(), chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true })]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const open = async (user: string | undefined, options: OpenOptions = {}): Promise<Page> => {
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1000, height: 640 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error(`[${user} page] ${err.message}`));
    page.on('response', (res) => void (res.status() >= 400 && failures.push(`${res.status()} ${res.url()}`)));
    page.on('requestfailed', (req) => void (!req.url().startsWith('ws') && failures.push(`failed ${req.url()}`)));
    if (options.config) {
      const base = (await (await fetch(`${stack.pushUrl}/demo/config`)).json()) as Record<string, unknown>;
      await page.route('**/demo/config', (route) => route.fulfill({ json: { ...base, ...options.config } }));
    }
    await options.before?.(page);
    await page.goto(`${stack.pushUrl}/${user ? `?user=${encodeURIComponent(user)}` : ''}`);
    if (user && options.waitOpen !== false) await page.locator('#state.open').waitFor(WAIT);
    return page;
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: new URL(name, ARTIFACTS).pathname });
  const conv = (page: Page, id: string) => page.locator(`nav button[data-conv="${id}"]`);
  const rect = (locator: Locator) => locator.evaluate((e) => e.getBoundingClientRect().toJSON() as { x: number; y: number; width: number; height: number });
  const closeAll = async () => Promise.all(contexts.splice(0).map((c) => c.close()));

  it('two users: a 1:1 chat with unread badge and read ticks, safe links, long words that wrap; room echo and online counts that agree and refresh', async () => {
    const [alice, bob] = [await open('alice'), await open('bob')];
    await expect.poll(() => alice.locator('#people .dot.online').count(), WAIT).toBeGreaterThanOrEqual(1);

    await conv(alice, 'u:alice:bob').click();
    await alice.fill('#text', 'Hello Bob, this is Alice');
    await alice.press('#text', 'Enter');
    const mine = alice.locator('.msg.mine', { hasText: 'Hello Bob, this is Alice' });
    await mine.locator('.status').waitFor(WAIT);

    const badge = conv(bob, 'u:alice:bob').locator('.badge');
    await expect.poll(() => badge.textContent(), WAIT).toBe('1');
    await conv(bob, 'u:alice:bob').click();
    await bob.locator('.msg', { hasText: 'Hello Bob, this is Alice' }).waitFor(WAIT);
    expect(await badge.textContent()).toBe('');
    // bob's page acked it as read: alice's ticks turn to read
    await mine.locator('.status.read').waitFor(WAIT);

    const hostile = 'docs at https://example.com/docs?a=1&b=2. <img src=x onerror="window.__pwned=1"> javascript:alert(1) <b>bold?</b>';
    await bob.fill('#text', hostile);
    await bob.press('#text', 'Enter');
    const got = alice.locator('.msg:not(.mine)', { hasText: 'docs at' });
    await got.waitFor(WAIT);
    expect(await got.locator('.text').textContent()).toBe(hostile);
    const link = got.locator('a');
    expect(await link.count()).toBe(1);
    expect(await link.getAttribute('href')).toBe('https://example.com/docs?a=1&b=2');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toContain('noopener');
    expect(await alice.locator('#messages img, #messages b, #messages a[href^="javascript"]').count()).toBe(0);
    expect(await alice.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();

    const word = `${'unbroken'.repeat(120)}!`;
    await alice.fill('#text', word);
    await alice.press('#text', 'Enter');
    const long = alice.locator('.msg.mine', { hasText: 'unbrokenunbroken' });
    await long.locator('.status').waitFor(WAIT);
    const column = await rect(alice.locator('#messages'));
    const bubble = await rect(long);
    expect(bubble.x + bubble.width).toBeLessThanOrEqual(column.x + column.width);
    expect(await alice.locator('#messages').evaluate((m) => m.scrollWidth <= m.clientWidth)).toBe(true);

    await Promise.all([conv(alice, 'r:lobby').click(), conv(bob, 'r:lobby').click()]);
    for (const page of [alice, bob]) await expect.poll(() => conv(page, 'r:lobby').locator('.meta').textContent(), WAIT).toBe('2 online');
    await alice.fill('#text', 'hi lobby, from alice');
    await alice.press('#text', 'Enter');
    await alice.locator('.msg.mine', { hasText: 'hi lobby, from alice' }).locator('.status.sent').waitFor(WAIT);
    await bob.locator('.msg:not(.mine)', { hasText: 'hi lobby, from alice' }).waitFor(WAIT);
    expect(await alice.locator('.msg', { hasText: 'hi lobby, from alice' }).count()).toBe(1);

    await shot(alice, 'demo-room-alice.png');
    await conv(alice, 'u:alice:bob').click();
    await shot(alice, 'demo-alice.png');
    await conv(bob, 'u:alice:bob').click();
    await shot(bob, 'demo-bob.png');
    await conv(alice, 'r:lobby').click();
    await bob.context().close();
    await expect.poll(() => conv(alice, 'r:lobby').locator('.meta').textContent(), WAIT).toBe('1 online');
    await closeAll();
  }, 90_000);

  it('sending while offline: pending at once, failed with a retry, then sent and read once the network is back', async () => {
    const proxy = await CuttableProxy.start(Number(new URL(stack.wsUrl).port));
    try {
      const carol = await open('carol', { config: { wsUrl: `ws://127.0.0.1:${proxy.port}`, sendTimeoutMs: 1500 } });
      const dave = await open('dave');
      await conv(carol, 'u:carol:dave').click();
      proxy.cut();
      await carol.locator('#state.reconnecting').waitFor(WAIT);
      await carol.locator('#notice.warn', { hasText: 'Connection lost' }).waitFor(WAIT);
      expect(await carol.locator('#retry-now').isVisible()).toBe(true);

      await carol.fill('#text', 'sent while offline');
      await carol.press('#text', 'Enter');
      const entry = carol.locator('.msg.mine', { hasText: 'sent while offline' });
      await entry.locator('.status.pending').waitFor(WAIT);
      await entry.locator('.status.failed').waitFor(WAIT);
      await shot(carol, 'demo-offline-failed.png');
      expect(await entry.locator('button.retry').isVisible()).toBe(true);

      proxy.restore();
      await entry.locator('button.retry').click();
      await entry.locator('.status.sent, .status.delivered, .status.read').waitFor(WAIT);
      await carol.locator('#state.open').waitFor(WAIT);
      await conv(dave, 'u:carol:dave').click();
      await dave.locator('.msg', { hasText: 'sent while offline' }).waitFor(WAIT);
      await entry.locator('.status.read').waitFor(WAIT);
      expect(await carol.locator('.msg', { hasText: 'sent while offline' }).count()).toBe(1);
      expect(await dave.locator('.msg', { hasText: 'sent while offline' }).count()).toBe(1);
      await shot(carol, 'demo-offline-sent.png');
    } finally {
      await proxy.close();
      await closeAll();
    }
  }, 60_000);

  it('shows errors on the page: a bad user id, a refused token, a refused connection', async () => {
    const page = await open(undefined);
    const notice = page.locator('#notice');
    await page.fill('#custom', 'bad uid');
    await page.click('#connect');
    await expect.poll(() => notice.textContent(), WAIT).toContain('"bad uid" is not a valid user id');
    expect(await notice.getAttribute('class')).toBe('error');

    await page.fill('#custom', '');
    await page.click('details summary');
    await page.fill('#token', await signToken('mallory', 'not-the-local-secret'));
    await page.click('#connect');
    await expect.poll(() => notice.textContent(), WAIT).toContain('Token refused: the server refuses this token: invalid token');
    expect(await page.locator('#state').textContent()).toBe('idle');

    await page.fill('#token', await signToken('erin', LOCAL_JWT_SECRET));
    await page.click('#connect');
    await page.locator('#state.open').waitFor(WAIT);
    expect(await page.locator('#me').textContent()).toBe('erin');
    expect(await notice.isHidden()).toBe(true);

    const dead = await closedPort();
    const refused = await open('frank', { config: { wsUrl: `ws://127.0.0.1:${dead}` }, waitOpen: false });
    await refused.locator('#state.reconnecting').waitFor(WAIT);
    await expect.poll(() => refused.locator('#notice.warn').textContent(), WAIT).toContain(`cannot reach ws://127.0.0.1:${dead}`);
    expect(await refused.locator('#retry-now').isVisible()).toBe(true);
    await shot(refused, 'demo-refused.png');
    await closeAll();
    failures.splice(0, failures.length, ...failures.filter((f) => !f.includes('/demo/token?uid=bad%20uid')));
  }, 60_000);

  it('shows backend pushes and backend senders apart from users', async () => {
    const KEY = 'order-42-shipped';
    const markBackend = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(markBackend);
      if (!v || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      // The contract a parallel change implements on the server: a push API message carries "backend": true.
      if (o.cmid === KEY && typeof o.from === 'string') o.backend = true;
      Object.values(o).forEach(markBackend);
    };
    const bob = await open('bob', {
      before: (page) =>
        page.routeWebSocket(
          () => true,
          (ws) => {
            const server = ws.connectToServer();
            server.onMessage((m) => {
              if (typeof m !== 'string') return ws.send(m);
              const frame = JSON.parse(m) as unknown;
              markBackend(frame);
              ws.send(JSON.stringify(frame));
            });
          },
        ),
    });
    const api = new PushApiClient(stack.pushUrl);
    expect((await api.request('POST', '/goim/push/mids?operation=1000&mids=bob', { raw: 'hello from the backend' })).status).toBe(200);
    expect((await api.request('POST', '/v1/push', { json: { op: 1001, body: { score: '2:1' }, to: { users: ['bob'] } } })).status).toBe(202);
    const pushes = conv(bob, 'pushes');
    await expect.poll(() => pushes.locator('.badge').textContent(), WAIT).toBe('2');
    await pushes.click();
    await bob.locator('.msg.push', { hasText: 'hello from the backend' }).locator('.tag', { hasText: 'op 1000' }).waitFor(WAIT);
    await bob.locator('.msg.push', { hasText: '{"score":"2:1"}' }).locator('.tag', { hasText: 'op 1001' }).waitFor(WAIT);

    const sent = await api.request('POST', '/v1/messages', { json: { to: { user: 'bob' }, body: { text: 'Your order shipped' } }, headers: { 'idempotency-key': KEY } });
    expect(sent.status).toBe(202);
    const backendConv = bob.locator('#backend button', { hasText: 'backend' }).filter({ hasNotText: 'Pushes' });
    await backendConv.waitFor(WAIT);
    await backendConv.click();
    const msg = bob.locator('.msg.backend', { hasText: 'Your order shipped' });
    await msg.locator('.tag', { hasText: 'backend' }).waitFor(WAIT);
    expect(await bob.locator('#text').isDisabled()).toBe(true);
    await shot(bob, 'demo-backend.png');
    await closeAll();
  }, 60_000);

  it('at phone width the sign-in and status fit, bubbles wrap, and nothing scrolls sideways', async () => {
    const phone = await open('alice', { viewport: { width: 390, height: 844 } });
    for (const id of ['#connect', '#state', '#user']) {
      const box = await rect(phone.locator(id));
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
      expect(box.y + box.height).toBeLessThanOrEqual(844);
    }
    await conv(phone, 'u:alice:bob').click();
    await phone.locator('.msg', { hasText: 'unbrokenunbroken' }).waitFor(WAIT);
    for (const id of ['#connect', '#state', '#text', '#send']) {
      const box = await rect(phone.locator(id));
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(844);
    }
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    for (const box of await phone.locator('.msg').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right))) expect(box).toBeLessThanOrEqual(390);
    await shot(phone, 'demo-phone.png');
    await closeAll();
  }, 60_000);

  it('dates older messages, and no request of any page failed (favicon included)', async () => {
    const later = Date.now() + 3 * 86_400_000;
    const page = await open('alice', { before: (p) => p.clock.setFixedTime(later) });
    await conv(page, 'u:alice:bob').click();
    await page.locator('.msg', { hasText: 'Hello Bob, this is Alice' }).waitFor(WAIT);
    const days = await page.locator('#messages .day').allTextContents();
    expect(days.length).toBeGreaterThan(0);
    expect(days[0]).not.toMatch(/^(Today|Yesterday)$/);
    expect(days[0]).toMatch(/\d/);
    await page.locator('#messages').evaluate((m) => m.scrollTo(0, 0));
    await shot(page, 'demo-dates.png');
    const icon = await page.request.get(`${stack.pushUrl}/favicon.ico`);
    expect(icon.status()).toBe(200);
    await closeAll();
    expect(failures).toEqual([]);
  }, 60_000);
});
