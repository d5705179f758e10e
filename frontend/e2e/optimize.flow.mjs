// Strategy optimization (issue 19, item 5): a small sma_cross grid started from the Optimize page runs on the
// platform's jobs queue and workers, its progress shows, and once done the page shows the overfitting verdict,
// the top trials out of sample, the best trial's in-sample and out-of-sample equity, a heatmap of fast x slow
// and the trials; a bot is created from the best trial;
// the page fits a 390 px phone. Screenshots under test-results/e2e/.
//
// Run by tests/e2e/test_optimize_browser.py (its own platform); not part of `npm run e2e`'s *.spec.mjs glob,
// since it needs the optimization server side (the /optimizations API and the optimizer on the jobs worker).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertAccessible, launch, newPage, screenshot, signUp, uniqueEmail } from './support.mjs';

const PASSWORD = 'correct-horse-battery-9';
const PHONE = { width: 390, height: 844 };
// A closed range of the synthetic market (as the backtest specs use), as datetime-local values.
const START = process.env.E2E_OPTIMIZE_START ?? '2023-12-29T00:00';
const END = process.env.E2E_OPTIMIZE_END ?? '2023-12-31T00:00';
const DONE_TIMEOUT_MS = Number(process.env.E2E_OPTIMIZE_TIMEOUT_MS ?? 240_000);

async function setRange(page, param, low, high, step) {
  await page.getByRole('group', { name: param }).getByRole('radio', { name: 'Range' }).check();
  await page.getByLabel(`${param} low`, { exact: true }).fill(String(low));
  await page.getByLabel(`${param} high`, { exact: true }).fill(String(high));
  await page.getByLabel(`${param} step`, { exact: true }).fill(String(step));
}

describe('optimize a strategy from the web app', () => {
  let browser;
  let page;
  let jobUrl;
  const email = uniqueEmail();

  before(async () => {
    browser = await launch();
    ({ page } = await newPage(browser));
    await signUp(page, email, PASSWORD);
  });
  after(async () => browser?.close());

  it('starts a 12-point sma_cross grid from the Optimize page in the nav', async () => {
    await page.getByRole('link', { name: 'Optimize' }).first().click();
    await page.getByRole('heading', { name: 'Optimize' }).waitFor();
    await page.getByLabel('Strategy').selectOption('sma_cross');
    await page.getByLabel('Symbol').selectOption('BTCUSDT');
    await page.getByLabel('Candle interval').selectOption('1m');
    await setRange(page, 'Fast', 5, 15, 5);
    await setRange(page, 'Slow', 20, 50, 10);
    await page.getByLabel('Sampler').selectOption('grid');
    await page.getByTestId('grid-points').filter({ hasText: '12 grid points' }).waitFor();
    await page.getByLabel('Objective').selectOption('total_return');
    await page.getByLabel('Start', { exact: true }).fill(START);
    await page.getByLabel('End', { exact: true }).fill(END);
    await assertAccessible(page, 'optimize form');
    await screenshot(page, '40-optimize-form');
    await page.getByRole('button', { name: 'Start optimization' }).click();
    await page.getByRole('heading', { name: 'Optimization: sma_cross on BTCUSDT 1m' }).waitFor();
    jobUrl = page.url();
  });

  it('shows progress, then the verdict, the top trials out of sample, the heatmap and the trials', async () => {
    assert.ok(jobUrl, 'the previous step started the job');
    const heatmap = page.getByRole('table', { name: 'Heatmap of total_return by fast and slow' });
    await heatmap.waitFor({ timeout: DONE_TIMEOUT_MS });
    assert.equal(await heatmap.getByRole('columnheader').count(), 4, 'a corner and 3 fast values');
    assert.equal(await heatmap.getByRole('rowheader').count(), 4, '4 slow values');
    await page.getByRole('heading', { name: 'Top trials on held-out data' }).waitFor();
    await page.getByRole('heading', { name: 'All trials (12)' }).waitFor();
    await page.getByRole('table', { name: /in-sample and out-of-sample metrics/ }).waitFor();
    const verdict = page.getByTestId('overfitting-warning').or(page.getByText(/holds up out of sample|No trial reached a score|overfitting check does not apply/));
    await verdict.first().waitFor();
    await heatmap.scrollIntoViewIfNeeded();
    await screenshot(page, '41-optimize-result-heatmap');
    await assertAccessible(page, 'optimization result');
  });

  it("draws the best trial's in-sample and out-of-sample equity on one chart", async () => {
    // The page opens on the best trial, which is a top trial, so its two curves are there; without a scored
    // trial there is no best, and nothing was re-run out of sample.
    const unscored = await page.getByText('No trial was scored.').count();
    if (unscored) {
      assert.equal(await page.getByTestId('trial-equity').count(), 0, 'no curves without a scored trial');
      return;
    }
    const figure = page.getByTestId('trial-equity');
    const chart = figure.getByRole('img', { name: /^Trial \d+: in-sample and out-of-sample equity$/ });
    await chart.waitFor();
    assert.ok(await chart.isVisible(), 'the equity chart is visible');
    const box = await figure.locator('canvas').first().boundingBox();
    assert.ok(box && box.width > 100 && box.height > 100, `the chart is drawn (${JSON.stringify(box)})`);
    const caption = await figure.locator('figcaption').innerText();
    assert.match(caption, /in sample/);
    assert.match(caption, /out of sample/);
    await figure.scrollIntoViewIfNeeded();
    await screenshot(page, '44-optimize-trial-equity');
  });

  it('sorts the trials by a column', async () => {
    const table = page.getByRole('table', { name: /^Trials, sorted by/ });
    await table.getByRole('button', { name: /^Trial/ }).click();
    await page.getByRole('table', { name: 'Trials, sorted by Trial descending' }).waitFor();
    await table.getByRole('button', { name: /^Trial/ }).click();
    await page.getByRole('table', { name: 'Trials, sorted by Trial ascending' }).waitFor();
    const first = await table.getByRole('row').nth(1).getByRole('cell').nth(1).innerText();
    assert.equal(first.trim(), '0');
  });

  it('shows the page as cards on a 390 px phone, without sideways scrolling', async () => {
    const phone = await newPage(browser, PHONE);
    await phone.page.goto('/login');
    await phone.page.getByLabel('Email').fill(email);
    await phone.page.getByLabel('Password').fill(PASSWORD);
    await phone.page.getByRole('button', { name: 'Sign in' }).click();
    await phone.page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await phone.page.goto(new URL(jobUrl).pathname);
    await phone.page.getByRole('table', { name: /^Heatmap of/ }).waitFor();
    await phone.page.waitForLoadState('networkidle');
    // eslint-disable-next-line no-undef -- the callback runs in the page, where document exists
    const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `the optimization page is ${width}px wide on a ${PHONE.width}px screen`);
    await screenshot(phone.page, '42-phone-optimize-result');
    await phone.page.goto('/optimize');
    await phone.page.getByRole('button', { name: 'Start optimization' }).waitFor();
    // eslint-disable-next-line no-undef -- as above
    const formWidth = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(formWidth <= PHONE.width, `the optimize form is ${formWidth}px wide on a ${PHONE.width}px screen`);
    await phone.context.close();
  });

  it('creates a stopped paper bot from the best trial and opens it', async () => {
    await page.goto(jobUrl);
    const chosen = page.getByRole('heading', { name: /^Trial \d+$/ });
    await chosen.waitFor();
    const trial = (await chosen.innerText()).replace('Trial ', '').trim();
    const params = await page.getByRole('region', { name: `Trial ${trial}` }).locator('p').first().innerText();
    const [, fast, slow] = /fast (\d+), slow (\d+)/.exec(params) ?? [];
    assert.ok(fast && slow, `the chosen trial's parameters are shown (${params})`);
    await page.getByRole('button', { name: 'Create bot from this trial' }).click();
    await page.waitForURL(/\/bots\/[^/]+$/);
    const shown = page.getByRole('region', { name: 'Parameters' });
    await shown.waitFor();
    const text = await shown.innerText();
    assert.match(text, new RegExp(`\\b${fast}\\b`), `the bot has fast ${fast}: ${text}`);
    assert.match(text, new RegExp(`\\b${slow}\\b`), `the bot has slow ${slow}: ${text}`);
    await page.locator('.badge-stopped').first().waitFor();
    await screenshot(page, '43-bot-from-trial');
  });
});
