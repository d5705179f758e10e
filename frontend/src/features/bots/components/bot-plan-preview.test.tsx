import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { btc, eth, grid, smaCross } from '@/testing/fixtures';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import type { BotPlan } from '../api/plan-bot';
import { CreateBotForm } from './create-bot-form';

const refusedGrid: BotPlan = {
  strategy: 'grid',
  symbol: 'BTCUSDT',
  quote_asset: 'USDT',
  price: '5712.34',
  budget: '100',
  investment: '99.99',
  min_order_quote: '5.02',
  levels: ['50000', '70000'],
  orders: [{ leg: 'grid_buy_0', side: 'buy', price: '50000', quote: '11.11', quantity: '0.0002', value: '11.07', note: 'sells at 52,222.22' }],
  problems: [
    {
      field: 'params.upper',
      code: 'price_outside_grid',
      message: "BTCUSDT trades at 5,712.34, below the grid's range: set lower and upper around the current price (e.g. 5,141.10-6,283.57), or set wait_for_range to wait for the price to enter the range.",
    },
  ],
  ok: false,
};

const smaPlan: BotPlan = {
  ...refusedGrid,
  strategy: 'sma_cross',
  investment: '100',
  levels: [],
  orders: [{ leg: 'entry', side: 'buy', price: '5712.34', quote: '100', quantity: '0.0175', value: '99.7', note: 'on the entry signal' }],
  problems: [],
  ok: true,
};

function setup() {
  signIn();
  return renderWithProviders(<CreateBotForm strategies={[smaCross, grid]} symbols={[btc, eth]} apiKeys={[]} onCreated={vi.fn()} />);
}

describe('BotPlanPreview in the create form', () => {
  it('shows the current price, the planned orders and the investment before launch, without needing a name', async () => {
    const server = fakeServer({ 'POST /api/v1/bots/plan': (req) => ({ body: { ...smaPlan, budget: (req.body as { budget: string }).budget } }) });
    setup();
    expect(await screen.findByTestId('current-price')).toHaveTextContent('5,712.34');
    expect(screen.getByTestId('plan-investment')).toHaveTextContent('100.00 USDT');
    const orders = screen.getByRole('table', { name: 'Planned orders' });
    expect(within(orders).getByText('Entry')).toBeInTheDocument();
    expect(screen.getByText(/Every order fits BTCUSDT's rules/)).toBeInTheDocument();
    expect(server.callsTo('POST', '/api/v1/bots/plan')[0]!.body).toEqual({
      strategy: 'sma_cross',
      params: { fast: 10, slow: 30 },
      symbol: 'BTCUSDT',
      interval: '1m',
      mode: 'paper',
      budget: '100',
      risk: {},
    });
    expect(server.callsTo('POST', '/api/v1/bots')).toHaveLength(0);
  });

  it("lists the server's reasons a grid would be refused and offers a range around the current price", async () => {
    const server = fakeServer({ 'POST /api/v1/bots/plan': { body: refusedGrid } });
    const { user } = setup();
    await user.selectOptions(screen.getByLabelText('Strategy'), 'grid');
    const problems = await screen.findByRole('alert', { name: 'Plan problems' });
    expect(problems).toHaveTextContent('set lower and upper around the current price');
    expect(within(screen.getByRole('table', { name: 'Planned orders' })).getByText('Grid cell 1')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Set the range to ±10% of the price' }));
    expect(screen.getByLabelText('Lower')).toHaveValue(5141.11);
    expect(screen.getByLabelText('Upper')).toHaveValue(6283.57);
    await vi.waitFor(() => expect(server.callsTo('POST', '/api/v1/bots/plan').at(-1)!.body).toMatchObject({ params: { lower: 5141.11, upper: 6283.57 } }));
  });

  it('asks for no plan while the inputs do not parse', async () => {
    const server = fakeServer({ 'POST /api/v1/bots/plan': { body: smaPlan } });
    const { user } = setup();
    await screen.findByTestId('current-price');
    const asked = server.callsTo('POST', '/api/v1/bots/plan').length;
    await user.clear(screen.getByLabelText(/Budget/));
    expect(await screen.findByText('Complete the fields above to see the plan.')).toBeInTheDocument();
    await new Promise((r) => setTimeout(r, 400));
    expect(server.callsTo('POST', '/api/v1/bots/plan')).toHaveLength(asked);
  });
});

describe("BotPlanPreview at the symbol's precision", () => {
  // A symbol with a 0.1 tick and a minimum notional of 0.0001 BTC: prices to one decimal, money to four.
  const ethbtc = { symbol: 'ETHBTC', base_asset: 'ETH', quote_asset: 'BTC', min_notional: '0.0001', tick_size: '0.10000000', step_size: '0.00100000' };
  const plan: BotPlan = {
    ...refusedGrid,
    strategy: 'grid',
    symbol: 'ETHBTC',
    quote_asset: 'BTC',
    price: '1234.56789',
    budget: '0.05',
    investment: '0.0412345',
    min_order_quote: '0.0001',
    orders: [
      { leg: 'grid_buy_0', side: 'buy', price: '1100.04999', quote: '0.00412345', quantity: '0.004', value: '0.0041', note: '' },
      { leg: 'grid_buy_1', side: 'buy', price: '1150.26', quote: '0.0041', quantity: '0.004', value: '0.0041', note: '' },
    ],
    problems: [],
    ok: true,
  };

  it('prints prices at the tick and order sizes and the investment at the quote precision', async () => {
    fakeServer({ 'POST /api/v1/bots/plan': { body: plan } });
    signIn();
    const { user } = renderWithProviders(
      <CreateBotForm strategies={[smaCross, grid]} symbols={[btc, ethbtc]} apiKeys={[]} onCreated={vi.fn()} />,
    );
    await user.selectOptions(screen.getByLabelText('Strategy'), 'grid');
    await user.selectOptions(screen.getByLabelText('Symbol'), 'ETHBTC');
    await vi.waitFor(() => expect(screen.getByTestId('current-price')).toHaveTextContent(/^1,234\.6$/));
    expect(screen.getByTestId('plan-investment')).toHaveTextContent(/^0\.0412 BTC$/);
    const rows = within(screen.getByRole('table', { name: 'Planned orders' })).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell').slice(1, 3).map((c) => c.textContent))).toEqual([
      ['1,100.0', '0.0041'],
      ['1,150.3', '0.0041'],
    ]);
    await user.click(screen.getByRole('button', { name: 'Set the range to ±10% of the price' }));
    expect(screen.getByLabelText('Lower')).toHaveValue(1111.1);
    expect(screen.getByLabelText('Upper')).toHaveValue(1358);
  });
});
