// The strategy at work and the phone layout (issue 20, items 6 and 7): a grid bot's page draws its levels, an
// SMA bot's page its two averages, the create form previews a DCA plan, and no main page is wider than a
// 390 px phone screen. Screenshots of each under test-results/e2e/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertAccessible, launch, newPage, screenshot, signUp, uniqueEmail } from './support.mjs';

const PASSWORD = 'correct-horse-battery-9';
const PHONE = { width: 390, height: 844 };

async function createBot(page, { name, strategy, params = {}, symbol = 'BTCUSDT', budget = '1000' }) {
  await page.goto('/bots/new');
  await page.getByLabel('Strategy').selectOption(strategy);
  await page.getByLabel('Symbol').selectOption(symbol);
  for (const [label, value] of Object.entries(params)) await page.getByLabel(label, { exact: true }).fill(String(value));
  await page.getByLabel('Name').fill(name);
  await page.getByLabel(/Budget/).fill(budget);
  await page.getByRole('button', { name: 'Create bot' }).click();
  await page.getByRole('heading', { name }).waitFor();
  return page.url();
}

describe('the strategy at work', () => {
  let browser;
  let page;
  const email = uniqueEmail();
  const pages = ['/', '/bots', '/bots/new', '/trades', '/backtests', '/notifications', '/settings', '/api-keys'];

  before(async () => {
    browser = await launch();
    ({ page } = await newPage(browser));
    await signUp(page, email, PASSWORD);
  });
  after(async () => browser?.close());

  it('previews a DCA plan before launch, with the current price and each safety order', async () => {
    await page.goto('/bots/new');
    await page.getByLabel('Strategy').selectOption('dca');
    const plan = page.getByRole('region', { name: /plan/i }).first();
    await plan.waitFor();
    await plan.getByText(/safety/i).first().waitFor();
    await screenshot(page, '20-dca-plan-preview');
    await assertAccessible(page, 'new bot with the DCA plan');
  });

  it("draws an SMA bot's two averages on its chart and lists its parameters by name", async () => {
    await createBot(page, { name: 'E2E SMA lines', strategy: 'sma_cross', params: { Fast: 3, Slow: 8 } });
    await page.getByRole('img', { name: /2 indicator lines/ }).waitFor();
    const legend = page.getByRole('list', { name: 'Chart legend' });
    await legend.getByText('SMA 3').waitFor();
    await legend.getByText('SMA 8').waitFor();
    await page.getByRole('region', { name: 'Parameters' }).getByRole('heading', { name: 'SMA crossover' }).waitFor();
    await screenshot(page, '21-bot-page-sma-indicators');
    await assertAccessible(page, 'bot page with indicators');
  });

  it("draws a grid bot's levels as price lines around the current price", async () => {
    await page.goto('/bots/new');
    await page.getByLabel('Symbol').selectOption('BTCUSDT');
    // The plan preview shows the current price (the DCA defaults always have a plan); the grid goes around it.
    await page.getByLabel('Strategy').selectOption('dca');
    const shown = page.getByTestId('current-price').filter({ hasText: /\d/ });
    await shown.waitFor();
    const price = Number((await shown.innerText()).replace(/,/g, ''));
    assert.ok(price > 0, 'the market has a current price');
    await page.getByLabel('Strategy').selectOption('grid');
    await page.getByLabel('Lower', { exact: true }).fill(String(Math.floor(price * 0.95)));
    await page.getByLabel('Upper', { exact: true }).fill(String(Math.ceil(price * 1.05)));
    await page.getByLabel('Levels', { exact: true }).fill('5');
    await page.getByLabel('Name').fill('E2E grid levels');
    await page.getByLabel(/Budget/).fill('1000');
    await page.getByRole('button', { name: 'Create bot' }).click();
    await page.getByRole('heading', { name: 'E2E grid levels' }).waitFor();
    await page.getByRole('img', { name: /5 grid levels/ }).waitFor();
    await page.getByRole('list', { name: 'Chart legend' }).getByText('5 grid levels').waitFor();
    await screenshot(page, '22-bot-page-grid-levels');
    await assertAccessible(page, 'bot page with grid levels');
  });

  it('fits every main page in a 390 px phone screen', async () => {
    const phone = await newPage(browser, PHONE);
    await phone.page.goto('/login');
    await phone.page.getByRole('region', { name: 'About Tradebot' }).waitFor(); // the landing says what it is
    await screenshot(phone.page, '23-phone-landing');
    await phone.page.getByLabel('Email').fill(email);
    await phone.page.getByLabel('Password').fill(PASSWORD);
    await phone.page.getByRole('button', { name: 'Sign in' }).click();
    await phone.page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await phone.page.goto('/bots');
    await phone.page.getByRole('link', { name: 'E2E SMA lines', exact: true }).waitFor();
    const botPages = await phone.page.locator('a[href^="/bots/"]').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    for (const path of [...pages, ...new Set(botPages.filter((h) => !h.endsWith('/edit') && h !== '/bots/new'))]) {
      await phone.page.goto(path);
      await phone.page.locator('main h1, h1').first().waitFor();
      await phone.page.waitForLoadState('networkidle');
      // eslint-disable-next-line no-undef -- the callback runs in the page, where document exists
      const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= PHONE.width, `${path} is ${width}px wide on a ${PHONE.width}px screen`);
      await screenshot(phone.page, `24-phone${path.replace(/\//g, '-') || '-dashboard'}`);
    }
    await phone.context.close();
  });
});
