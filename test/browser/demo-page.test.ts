import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { startTestStack } from '../helpers/local-stack.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const ARTIFACTS = new URL('../artifacts/', import.meta.url);
const haveChromium = existsSync(CHROMIUM);
const HOW_TO = `Chromium not found at ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\` (Debian/Ubuntu) to run the browser test`;

if (!haveChromium && !process.env.CI) console.warn(`skipping the browser test. ${HOW_TO}`);

describe.skipIf(!haveChromium && !process.env.CI)('demo chat page in headless Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`CI is set and ${HOW_TO}`);
    [stack, browser] = await Promise.all([startTestStack(), chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true })]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const open = async (uid: string): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 640 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error(`[${uid} page] ${err.message}`));
    await page.goto(`${stack.pushUrl}/?user=${uid}`);
    await page.locator('#state.open').waitFor({ timeout: 20_000 });
    return page;
  };

  it('shows a message sent by one user on the other user’s page, with an unread count first', async () => {
    const [alice, bob] = [await open('alice'), await open('bob')];
    await expect.poll(() => alice.locator('#people .dot.online').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);

    await alice.click('#people button[data-conv="u:alice:bob"]');
    await alice.fill('#text', 'Hello Bob, this is Alice');
    await alice.press('#text', 'Enter');
    await alice.locator('.msg.mine', { hasText: 'Hello Bob, this is Alice' }).waitFor({ timeout: 10_000 });

    const badge = bob.locator('#people button[data-conv="u:alice:bob"] .badge');
    await expect.poll(() => badge.textContent(), { timeout: 10_000 }).toBe('1');
    await bob.click('#people button[data-conv="u:alice:bob"]');
    await bob.locator('.msg', { hasText: 'Hello Bob, this is Alice' }).waitFor({ timeout: 10_000 });
    expect(await badge.textContent()).toBe('');

    await bob.fill('#text', 'Hi Alice! Got it.');
    await bob.press('#text', 'Enter');
    await alice.locator('.msg', { hasText: 'Hi Alice! Got it.' }).waitFor({ timeout: 10_000 });

    mkdirSync(ARTIFACTS, { recursive: true });
    await bob.screenshot({ path: new URL('demo-bob.png', ARTIFACTS).pathname });
    await alice.screenshot({ path: new URL('demo-alice.png', ARTIFACTS).pathname });
    expect(await bob.locator('#state').textContent()).toBe('open');
  }, 60_000);
});
