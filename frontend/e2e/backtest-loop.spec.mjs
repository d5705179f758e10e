// Issue 20: from backtests to a bot — two runs with different parameters, compared side by side, then a bot
// form pre-filled from one of them. Its own account, so it does not depend on the other specs' order.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertAccessible, launch, newPage, screenshot, signUp, uniqueEmail } from './support.mjs';

// A closed range of the (synthetic) market, as datetime-local values (see flows.spec.mjs).
const BACKTEST_START = process.env.E2E_BACKTEST_START ?? '2023-12-29T00:00';
const BACKTEST_END = process.env.E2E_BACKTEST_END ?? '2023-12-31T00:00';

async function runBacktest(page, fast, slow) {
  await page.goto('/backtests');
  await page.getByLabel('Strategy').selectOption('sma_cross');
  await page.getByLabel('Fast').fill(String(fast));
  await page.getByLabel('Slow').fill(String(slow));
  await page.getByLabel('Start', { exact: true }).fill(BACKTEST_START);
  await page.getByLabel('End', { exact: true }).fill(BACKTEST_END);
  await page.getByRole('button', { name: 'Run backtest' }).click();
  await page.getByRole('region', { name: 'Ran with' }).waitFor({ timeout: 120_000 });
}

describe('backtest to bot', () => {
  let browser;
  let page;

  before(async () => {
    browser = await launch();
    ({ page } = await newPage(browser));
    await signUp(page, uniqueEmail());
  });
  after(async () => browser?.close());

  it('shows what a run was given, its benchmark and its trades on candles', async () => {
    await runBacktest(page, 5, 20);
    const ranWith = page.getByRole('region', { name: 'Ran with' });
    assert.match(await ranWith.innerText(), /fast 5 · slow 20/);
    await page.getByTestId('benchmark').waitFor();
    await page.getByRole('img', { name: /candles of the backtest/ }).waitFor();
    // The strategy's indicator lines are drawn on the candles, named in the legend as on the bot page.
    const legend = page.getByRole('list', { name: 'Chart legend' });
    await legend.waitFor();
    assert.deepEqual(await legend.getByRole('listitem').allInnerTexts(), ['SMA 5', 'SMA 20']);
    await screenshot(page, '20-backtest-result-with-inputs');
    await assertAccessible(page, 'backtest result');
  });

  it('keeps the last inputs and lists runs with their parameters; two runs compare side by side', async () => {
    await runBacktest(page, 8, 30);
    await page.goto('/backtests');
    assert.equal(await page.getByLabel('Fast').inputValue(), '8', 'the form starts from the last run');
    const list = page.getByRole('list', { name: 'Recent backtests' });
    await list.getByText('fast 8 · slow 30').waitFor();
    await list.getByText('fast 5 · slow 20').waitFor();
    const boxes = list.getByRole('checkbox');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.getByRole('button', { name: 'Compare selected (2)' }).click();
    const table = page.getByRole('table', { name: 'Backtests compared' });
    await table.waitFor({ timeout: 30_000 });
    assert.match(await table.innerText(), /fast 8 · slow 30[\s\S]*fast 5 · slow 20/);
    await page.getByRole('img', { name: 'Equity curves of 2 backtests' }).waitFor();
    await screenshot(page, '21-backtests-compared');
    await assertAccessible(page, 'backtest comparison');
  });

  it('creates a bot from a backtest: the form opens pre-filled', async () => {
    await page.goto('/backtests');
    await page.getByRole('list', { name: 'Recent backtests' }).getByRole('link').first().click();
    await page.getByRole('link', { name: 'Create a bot from this backtest' }).click();
    await page.getByRole('heading', { name: 'New bot' }).waitFor();
    assert.equal(await page.getByLabel('Fast').inputValue(), '8');
    assert.equal(await page.getByLabel('Slow').inputValue(), '30');
    assert.equal(await page.getByLabel('Strategy').inputValue(), 'sma_cross');
    await screenshot(page, '22-bot-form-from-backtest');
    await assertAccessible(page, 'bot form from a backtest');
  });
});
