// Orders that rest on the exchange (issue 14, item 7): a paper grid bot on limit orders keeps its ladder
// resting, its page lists the open orders (cards on a phone) and draws them on the candle chart as price
// lines, and stopping it asks what becomes of them. Screenshots under test-results/e2e/.
//
// Run by tests/e2e/test_resting_orders_browser.py (its own platform); not part of `npm run e2e`'s
// *.spec.mjs glob, since it needs the resting-order server side (the orders API, the tick's reconcile).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertAccessible, assertFitsWidth, launch, newPage, screenshot, signUp, uniqueEmail } from './support.mjs';

const PASSWORD = 'correct-horse-battery-9';
const PHONE = { width: 390, height: 844 };
const BOT = 'E2E resting grid';
// The first tick places the ladder; on the accelerated clock (a market minute per wall second) that is soon.
const ORDERS_TIMEOUT_MS = Number(process.env.E2E_ORDERS_TIMEOUT_MS ?? 120_000);

describe('resting orders on the bot page', () => {
  let browser;
  let page;
  let botUrl;
  const email = uniqueEmail();

  before(async () => {
    browser = await launch();
    ({ page } = await newPage(browser));
    await signUp(page, email, PASSWORD);
  });
  after(async () => browser?.close());

  it('creates a grid bot on resting limit orders around the current price', async () => {
    await page.goto('/bots/new');
    await page.getByLabel('Symbol').selectOption('BTCUSDT');
    // The plan preview shows the current price (the DCA defaults always have a plan); the grid goes around it.
    await page.getByLabel('Strategy').selectOption('dca');
    const shown = page.getByTestId('current-price').filter({ hasText: /\d/ });
    await shown.waitFor();
    const price = Number((await shown.innerText()).replace(/,/g, ''));
    assert.ok(price > 0, 'the market has a current price');
    await page.getByLabel('Strategy').selectOption('grid');
    await page.getByLabel('Lower', { exact: true }).fill(String(Math.floor(price * 0.97)));
    await page.getByLabel('Upper', { exact: true }).fill(String(Math.ceil(price * 1.03)));
    await page.getByLabel('Levels', { exact: true }).fill('6');
    const orderType = page.getByLabel('Order type', { exact: true });
    assert.equal(await orderType.inputValue(), 'limit', 'a new grid rests limit orders');
    assert.match(await orderType.locator('option:checked').innerText(), /rests on the exchange/);
    await page.getByLabel('Name').fill(BOT);
    await page.getByLabel(/Budget/).fill('1000');
    await page.getByLabel('Candle interval').selectOption('1m');
    await page.getByRole('button', { name: 'Create bot' }).click();
    await page.getByRole('heading', { name: BOT }).waitFor();
    botUrl = page.url();
    await page.getByRole('region', { name: 'Parameters' }).getByText(/rests on the exchange/).waitFor();
  });

  it('lists the open orders and draws them on the chart as labelled price lines', async () => {
    assert.ok(botUrl, 'the previous step created the bot');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.locator('.badge-running').first().waitFor();
    const orders = page.getByRole('table', { name: `Open orders of ${BOT}` });
    await orders.waitFor({ timeout: ORDERS_TIMEOUT_MS });
    await orders.getByRole('cell', { name: 'Grid buy' }).first().waitFor();
    await orders.getByRole('cell', { name: 'Limit', exact: true }).first().waitFor();
    await page.getByRole('img', { name: /[1-9]\d* open order lines/ }).waitFor();
    await page.getByRole('list', { name: 'Open orders on the chart' }).getByText(/Grid buy × [1-9]/).waitFor();
    await page.getByRole('radio', { name: 'All' }).check();
    await page.getByRole('table', { name: `Orders of ${BOT}` }).waitFor();
    await page.getByRole('radio', { name: 'Open' }).check();
    await orders.waitFor();
    await page.getByRole('img', { name: /open order lines/ }).scrollIntoViewIfNeeded();
    await screenshot(page, '30-bot-page-open-orders-on-chart');
    await assertAccessible(page, 'bot page with open orders');
  });

  it('shows the orders as cards on a 390 px phone', async () => {
    const phone = await newPage(browser, PHONE);
    await phone.page.goto('/login');
    await phone.page.getByLabel('Email').fill(email);
    await phone.page.getByLabel('Password').fill(PASSWORD);
    await phone.page.getByRole('button', { name: 'Sign in' }).click();
    await phone.page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await phone.page.goto(new URL(botUrl).pathname);
    await phone.page.getByRole('table', { name: `Open orders of ${BOT}` }).waitFor();
    await phone.page.waitForLoadState('networkidle');
    await assertFitsWidth(phone.page, 'the bot page');
    await screenshot(phone.page, '31-phone-bot-open-orders');
    await phone.context.close();
  });

  it('asks what becomes of the resting orders on stop, and cancels them when told to', async () => {
    await page.goto(botUrl);
    await page.getByRole('table', { name: `Open orders of ${BOT}` }).waitFor();
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Stop “${BOT}”?` });
    await dialog.getByText(/open orders? on the exchange/).waitFor();
    await dialog.getByRole('button', { name: 'Stop, leave orders resting' }).waitFor();
    await screenshot(page, '32-stop-dialog-resting-orders');
    await assertAccessible(page, 'stop dialog with resting orders');
    const cancel = dialog.getByRole('button', { name: /^Cancel orders and close position$|^Stop and cancel orders$/ });
    await cancel.click();
    await page.locator('.badge-stopped').first().waitFor();
    // A stopped bot's page does not poll: look again until the cancels have gone through.
    const deadline = Date.now() + ORDERS_TIMEOUT_MS;
    while (!(await page.getByText('No open orders').isVisible())) {
      assert.ok(Date.now() < deadline, 'the open orders were cancelled on stop');
      await page.waitForTimeout(2_000);
      await page.reload();
      await page.getByRole('heading', { name: 'Orders', exact: true }).waitFor();
      await page.getByText('Loading orders…').waitFor({ state: 'detached' });
    }
    await page.getByRole('img', { name: /candles with \d+ trade markers(?!.*open order lines)/ }).waitFor();
  });
});
