// End-to-end flows of issue 6 against the real API (E2E_BASE_URL), in one browser session
// so that each flow builds on the account created by the first.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertAccessible, launch, newPage, screenshot, signUp, TRADE_TIMEOUT_MS, uniqueEmail } from './support.mjs';

// Keys the test's canned exchange accepts (see the API's e2e fixture); overridable.
const API_KEY = process.env.E2E_API_KEY ?? 'e2eCannedKeyWithoutWithdrawals0000000000000000000000000000000001';
const API_SECRET = process.env.E2E_API_SECRET ?? 'e2eCannedSecret000000000000000000000000000000000000000000000001';
// A closed range of the (synthetic) market for the backtest, as datetime-local values.
const BACKTEST_START = process.env.E2E_BACKTEST_START ?? '2023-12-29T00:00';
const BACKTEST_END = process.env.E2E_BACKTEST_END ?? '2023-12-31T00:00';
// A key the canned exchange reports with withdrawals enabled: the server must refuse it.
const WITHDRAWALS_KEY = process.env.E2E_WITHDRAWALS_KEY ?? 'e2eCannedKeyWithWithdrawals00000000000000000000000000000000000002';

describe('trader web app', () => {
  let browser;
  let page;
  const email = uniqueEmail();
  let botUrl;

  before(async () => {
    browser = await launch();
    ({ page } = await newPage(browser));
  });
  after(async () => browser?.close());

  it('signs up and lands on the dashboard; the session survives a reload (silent refresh)', async () => {
    await signUp(page, email);
    await page.reload();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    assert.ok(await page.getByText(email).isVisible());
    await page.getByRole('region', { name: 'Equity and PnL' }).waitFor();
    await page.getByText('No trades yet').or(page.getByText('No bots yet')).first().waitFor();
    await screenshot(page, '01-dashboard-empty');
    await assertAccessible(page, 'dashboard');
  });

  it('renders a server validation error inline in the bot form', async () => {
    await page.goto('/bots/new');
    await page.getByLabel('Name').fill('Too small');
    await page.getByLabel(/Budget/).fill('0.01'); // below the symbol's minimum notional
    await page.getByRole('button', { name: 'Create bot' }).click();
    const inline = page.locator('.field-error').first();
    await inline.waitFor();
    assert.match(await page.getByRole('alert').first().innerText(), /\S/);
    await screenshot(page, '02-bot-form-validation-error');
    await assertAccessible(page, 'new bot');
  });

  it('creates a paper bot, starts it and sees its first trade on its page and the dashboard', async () => {
    await page.goto('/bots/new');
    await page.getByLabel('Strategy').selectOption('sma_cross');
    await page.getByLabel('Fast').fill('2');
    await page.getByLabel('Slow').fill('3');
    await page.getByLabel('Name').fill('E2E paper SMA');
    // New bots start on BTCUSDT now; this flow's later checks follow a BNBUSDT bot.
    await page.getByLabel('Symbol').selectOption('BNBUSDT');
    await page.getByLabel(/Budget/).fill('1000');
    await page.getByLabel('Candle interval').selectOption('1m');
    await page.getByRole('button', { name: 'Create bot' }).click();
    await page.getByRole('heading', { name: 'E2E paper SMA' }).waitFor();
    botUrl = page.url();

    await page.getByRole('button', { name: 'Start' }).click();
    await page.locator('.badge-running').first().waitFor();
    await page.getByRole('img', { name: /candles with/ }).waitFor();

    await page.getByRole('table', { name: 'Trades of E2E paper SMA' }).waitFor({ timeout: TRADE_TIMEOUT_MS });
    await page.getByRole('img', { name: /candles with [1-9]\d* trade markers/ }).waitFor();
    await screenshot(page, '03-bot-page-with-trade');
    await assertAccessible(page, 'bot page');

    await page.goto('/');
    const latest = page.getByRole('table', { name: 'Latest trades' });
    await latest.waitFor();
    await latest.getByRole('cell', { name: 'BNBUSDT' }).first().waitFor();
    await page.getByRole('img', { name: 'Account equity curve' }).waitFor();
    await screenshot(page, '04-dashboard-with-trade');
    await assertAccessible(page, 'dashboard with a trade');
  });

  it('edits the running bot: budget and risk change, the strategy stays locked until a stop', async () => {
    assert.ok(botUrl, 'the previous step created the bot');
    await page.goto(botUrl);
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit E2E paper SMA' }).waitFor();
    await page.getByRole('region', { name: 'Needs a stop to change' }).getByText('SMA crossover').waitFor();
    assert.equal(await page.getByLabel('Strategy').count(), 0, 'a running bot keeps its strategy');
    await page.getByLabel(/Budget/).fill('1200');
    await page.getByLabel('Stop-loss %').fill('5');
    await screenshot(page, '03b-bot-edit-running');
    await assertAccessible(page, 'bot edit (running)');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'E2E paper SMA' }).waitFor();
    await page.getByText(/budget 1,?200/).waitFor(); // money is printed at the quote's precision: 1,200.00 USDT
  });

  it('compares the paper bot with its backtest since its creation: equity curves, the gap by cause, the pairs', async () => {
    assert.ok(botUrl, 'an earlier step created the bot');
    const reports = [];
    // A report the previous page asked for may answer as this step navigates away: its body is gone (null here).
    const collect = (r) => r.url().includes('/drift?') && r.status() === 200 && reports.push(r.json().catch(() => null));
    page.on('response', collect);
    await page.goto(botUrl);
    const panel = page.getByRole('region', { name: 'Live vs backtest' });
    await panel.waitFor();
    // Since its creation, when it was flat (the last start is the edit above, which a position may straddle).
    await panel.getByRole('radio', { name: 'Since created' }).check();
    await panel.getByRole('img', { name: /Live and backtest equity of E2E paper SMA over \d+ bar closes/ }).waitFor({ timeout: 120_000 });
    const bars = panel.getByRole('list', { name: 'Gap by cause' });
    for (const cause of ['Slippage', 'Fees', 'Quantity', 'Timing', 'Rejections', 'Config', 'Unexplained']) await bars.getByText(cause).waitFor();
    const pairs = panel.getByRole('table', { name: /^Trade pairs \(\d+\)$/ });
    const unmatched = panel.getByRole('table', { name: /^Unmatched fills \(\d+\)$/ });
    await pairs.or(unmatched).first().waitFor(); // the bot traded in the period: its fills are on one list or the other
    if (await unmatched.count()) {
      const n = /\((\d+)\)/.exec(await unmatched.locator('caption').innerText())[1];
      await page.getByRole('img', { name: new RegExp(`\\b${n} unmatched drift markers`) }).waitFor();
    }
    page.off('response', collect);
    const read = (await Promise.all(reports)).filter(Boolean);
    assert.ok(read.length > 0, 'the panel read a drift report');
    for (const report of read) assert.ok(report.equity.length > 0 && report.equity.length <= 500, 'equity: 1 to 500 points');
    await screenshot(page, '50-bot-page-drift');
    await assertAccessible(page, 'bot page with the drift panel');
  });

  it('creates a signal bot, copies its webhook URL and TradingView messages, and trades on a test signal', async () => {
    await page.goto('/bots/new');
    await page.getByLabel('Strategy').selectOption('signal');
    // The platform's market clock runs 60 times faster than the wall: the default 60 s would be one wall second.
    await page.getByLabel('Max lag s').fill('3600');
    await page.getByLabel('Name').fill('E2E signals');
    await page.getByLabel(/Budget/).fill('1000');
    await page.getByLabel('Candle interval').selectOption('1m');
    await page.getByRole('button', { name: 'Create bot' }).click();
    await page.getByRole('heading', { name: 'E2E signals' }).waitFor();
    await page.getByRole('button', { name: 'Start' }).click();
    await page.locator('.badge-running').first().waitFor();

    await page.getByRole('button', { name: 'Create webhook URL' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Create new URL' }).click();
    const url = await page.getByRole('textbox', { name: 'Webhook URL', exact: true }).inputValue();
    assert.match(url, /\/api\/v1\/signals\/[a-f0-9]{16}\.[\w-]{20,}$/);
    assert.match(await page.getByRole('textbox', { name: 'Pine strategy (order fills)' }).inputValue(), /\{\{strategy\.order\.action\}\}/);
    await screenshot(page, '03c-signal-bot-webhook');
    await assertAccessible(page, 'signal bot webhook');

    await page.getByRole('button', { name: 'Send a test signal' }).click();
    await page.getByText(/Test signal queued/).waitFor();
    const log = page.getByRole('table', { name: 'Signal log' });
    await log.getByText('executed', { exact: true }).waitFor({ timeout: 60_000 });
    await page.getByRole('table', { name: 'Trades of E2E signals' }).waitFor({ timeout: 60_000 });
    await screenshot(page, '03d-signal-log-executed');
    await assertAccessible(page, 'signal log');

    // The secret is one click and a confirmation away from being replaced; the old URL then answers 401.
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Create new URL' }).click();
    const field = page.getByRole('textbox', { name: 'Webhook URL', exact: true });
    for (let i = 0; i < 50 && (await field.inputValue()) === url; i += 1) await page.waitForTimeout(200);
    assert.notEqual(await field.inputValue(), url, 'the rotation shows a new URL');
    const stale = await page.request.post(url, { data: 'buy', headers: { 'content-type': 'text/plain' } });
    assert.equal(stale.status(), 401);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('button', { name: 'Stop and close position' }).click();
    await page.locator('.badge-stopped').first().waitFor();
  });

  it('runs a backtest and sees its equity curve and metrics', async (t) => {
    // Chalice answers a route it does not have with 403 "Missing Authentication Token"; a route that exists
    // answers an anonymous call with the API's 401.
    const probe = await page.request.get('/api/v1/backtests');
    if (probe.status() === 403) {
      await page.goto('/backtests');
      await page.getByRole('heading', { name: 'Backtest', exact: true }).waitFor();
      await page.getByRole('alert').first().waitFor(); // the history's error, shown plainly, not a blank page
      await screenshot(page, '05-backtest-api-missing');
      await assertAccessible(page, 'backtest');
      t.skip('the /backtests API has not landed: checked the page renders its error state instead');
      return;
    }
    await page.goto('/backtests');
    await page.getByLabel('Strategy').selectOption('sma_cross');
    await page.getByLabel('Fast').fill('5');
    await page.getByLabel('Slow').fill('20');
    // A range the market has closed: the test's platform runs an accelerated market from 2024-01-01, and the
    // form's default range ends at the browser's wall clock, later than that (the server refuses it).
    await page.getByLabel('Start', { exact: true }).fill(BACKTEST_START);
    await page.getByLabel('End', { exact: true }).fill(BACKTEST_END);
    await page.getByRole('button', { name: 'Run backtest' }).click();
    await page.getByText('Final equity').waitFor({ timeout: 120_000 });
    await page.getByRole('img', { name: 'Backtest equity curve' }).waitFor();
    await page.getByRole('table').first().waitFor();
    await screenshot(page, '05-backtest-result');
    await assertAccessible(page, 'backtest');
  });

  it('adds an exchange API key (checked by the canned exchange) and deletes it', async () => {
    await page.goto('/api-keys');
    await page.getByText('No API keys yet').waitFor();
    // A mainnet key (not testnet): the check also asks /sapi whether withdrawals are disabled.
    // First a key that can withdraw: the server refuses it and the form says why.
    await page.getByLabel('Label', { exact: true }).fill('E2E key');
    await page.getByLabel('API key', { exact: true }).fill(WITHDRAWALS_KEY);
    await page.getByLabel('Secret key', { exact: true }).fill(API_SECRET);
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.getByRole('alert').filter({ hasText: /withdraw/i }).first().waitFor({ timeout: 30_000 });
    await screenshot(page, '06-api-key-refused');
    await assertAccessible(page, 'api keys (refused)');

    await page.getByLabel('API key', { exact: true }).fill(API_KEY);
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.getByText(/added and verified/).waitFor({ timeout: 30_000 });
    const last4 = API_KEY.slice(-4);
    await page.getByText(new RegExp(`•+${last4}`)).waitFor();
    assert.equal(await page.getByText(API_SECRET).count(), 0, 'the secret must never be shown');
    await screenshot(page, '06-api-keys');
    await assertAccessible(page, 'api keys');

    await page.getByRole('button', { name: 'Delete key E2E key' }).click();
    await page.getByRole('button', { name: 'Delete key', exact: true }).click();
    await page.getByText('No API keys yet').waitFor();
  });

  it('lists trades with filters and shows notifications and settings', async () => {
    await page.goto('/trades');
    const table = page.getByRole('table');
    await table.waitFor();
    await table.getByRole('link', { name: 'E2E paper SMA' }).first().waitFor(); // the bot's name, not its id
    // Filter on buys: every row left is a buy.
    await page.getByLabel('Side').selectOption('BUY');
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/trades') && r.url().includes('side=BUY')),
      page.getByRole('button', { name: 'Apply' }).click(),
    ]);
    await table.getByRole('cell', { name: 'SELL', exact: true }).first().waitFor({ state: 'detached' });
    await table.getByRole('cell', { name: 'BUY', exact: true }).first().waitFor();
    await screenshot(page, '07-trades');
    await assertAccessible(page, 'trades');
    await page.goto('/notifications');
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    await page.getByText(/Bought .* BNBUSDT/).first().waitFor();
    await screenshot(page, '08-notifications');
    await assertAccessible(page, 'notifications');
    await page.goto('/settings');
    await page.getByLabel('Webhook URL').waitFor();
    await screenshot(page, '09-settings');
    await assertAccessible(page, 'settings');
  });

  it('fits a phone screen', async () => {
    const phone = await newPage(browser, { width: 390, height: 844 });
    // A fresh context has no cookie: sign in again.
    await phone.page.goto('/login');
    await phone.page.getByLabel('Email').fill(email);
    await phone.page.getByLabel('Password').fill('correct-horse-battery-9');
    await phone.page.getByRole('button', { name: 'Sign in' }).click();
    await phone.page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    if (botUrl) {
      await phone.page.goto(botUrl);
      await phone.page.getByRole('heading', { name: 'E2E paper SMA' }).waitFor();
      await phone.page.getByRole('img', { name: /candles with/ }).waitFor();
      await phone.page.getByRole('table', { name: 'Trades of E2E paper SMA' }).waitFor();
    }
    // eslint-disable-next-line no-undef -- the callback runs in the page, where document and window exist
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone screen`);
    await screenshot(phone.page, '10-phone-bot-page');
    await phone.context.close();
  });

  it('signs out and the cookie no longer restores the session', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
});
