// Shared set-up for the end-to-end specs: playwright-core driving the system chromium
// (no downloaded browser builds), screenshots as artifacts, and an axe-core scan.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.E2E_BASE_URL;
if (!BASE_URL) {
  throw new Error('Set E2E_BASE_URL to the running platform, e.g. E2E_BASE_URL=http://127.0.0.1:8000 npm run e2e');
}
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = process.env.E2E_ARTIFACTS ?? new URL('../test-results/e2e/', import.meta.url).pathname;
/** How long to wait for a paper bot's first trade (the platform should run on its accelerated clock). */
export const TRADE_TIMEOUT_MS = Number(process.env.E2E_TRADE_TIMEOUT_MS ?? 180_000);

mkdirSync(ARTIFACTS, { recursive: true });

/**
 * Flags that keep chromium off the network (closed in CI: without them it hangs on connection attempts).
 * Playwright adds --headless (headless: true) and a fresh --user-data-dir (a temp profile per launch) itself.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

export async function newPage(browser, viewport = { width: 1366, height: 860 }) {
  const context = await browser.newContext({ baseURL: BASE_URL, viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Fails on any serious or critical accessibility violation. */
export async function assertAccessible(page, name) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const summary = bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
    throw new Error(`axe found ${bad.length} serious/critical violations on ${name}:\n${summary.join('\n')}`);
  }
}

export const uniqueEmail = () => `e2e-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

export async function signUp(page, email, password = 'correct-horse-battery-9') {
  await page.goto('/register');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Repeat password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}

/**
 * Fails when the page scrolls sideways on its viewport, naming the widest elements that stick out (an overflow
 * that depends on the data shown, a long figure or a wide table, is otherwise hard to find from a width alone).
 */
export async function assertFitsWidth(page, what) {
  const found = await page.evaluate(() => {
    /* eslint-disable no-undef -- the callback runs in the page, where document and window exist */
    const limit = window.innerWidth;
    const width = document.documentElement.scrollWidth;
    // What can widen the page: not inside a box that clips or scrolls its overflow (a hidden table header's cells).
    const contained = (el) => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible') return true;
      }
      return false;
    };
    const culprits = [...document.body.querySelectorAll('*')]
      .map((el) => ({ el, right: el.getBoundingClientRect().right }))
      .filter(({ el, right }) => right > limit + 1 && !contained(el))
      .sort((a, b) => b.right - a.right)
      .slice(0, 8)
      .map(({ el, right }) => `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''} right=${Math.round(right)} "${(el.textContent ?? '').trim().slice(0, 60)}"`);
    return { width, limit, culprits };
    /* eslint-enable no-undef */
  });
  if (found.width > found.limit + 1) {
    throw new Error(`${what} is ${found.width}px wide on a ${found.limit}px screen; sticking out:\n${found.culprits.join('\n')}`);
  }
}
