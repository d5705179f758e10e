import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { btc, eth, grid, smaCross } from '@/testing/fixtures';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import BacktestRoute from './backtest';
import BacktestsRoute from './backtests';
import BacktestsCompareRoute from './backtests-compare';
import NewBotRoute from './bot-new';

vi.mock('@/components/charts/equity-chart', () => ({
  OVERLAY_COLORS: ['#f0b90b', '#a78bfa'],
  EquityChart: ({ points, label, overlays = [] }: { points: unknown[]; label: string; overlays?: Array<{ title: string; points: unknown[] }> }) => (
    <div role="img" aria-label={`${label} (${points.length} points; ${overlays.map((o) => `${o.title} ${o.points.length}`).join(', ')})`} />
  ),
}));

const equity = [
  { t: '2026-03-01T00:00:00Z', equity: 10000 },
  { t: '2026-03-08T00:00:00Z', equity: 9957 },
];

const run = (id: string, params: Record<string, unknown>, totalReturn: number) => ({
  id,
  status: 'done',
  strategy: 'sma_cross',
  symbol: 'BTCUSDT',
  interval: '1h',
  source: 'range',
  start: '2026-03-01T00:00:00Z',
  end: '2026-03-08T00:00:00Z',
  fee: 0.001,
  slippage: 0,
  cash: 10000,
  bars: 168,
  params,
  risk: { stop_loss_pct: 2 },
  created_at: '2026-03-08T01:00:00Z',
  result: {
    metrics: {
      final_equity: 9957, total_return_pct: totalReturn, period_return_pct: totalReturn, period_days: 7, annualised: false, min_annualised_days: 30,
      annualisation: 'sqrt(365)', cagr_pct: null, sharpe: null, sortino: null, max_drawdown_pct: 15.7, win_rate_pct: 91.67, avg_win: 4.93,
      avg_loss: -1.1, expectancy: 4.43, profit_factor: 49.3, num_trades: 12, open_trades: 1, final_equity_includes_open_position: true,
    },
    equity,
    trades: [],
    benchmark: { strategy: 'buy_and_hold', entry_price: 100, quantity: 99.9, final_equity: 10500, return_pct: 5, max_drawdown_pct: 8, equity },
    open_position: { qty: 0.5, entry_price: 60000, mark_price: 59807.74, market_value: 29903.87, unrealised_pnl: -96.13 },
  },
});

describe('backtest to bot', () => {
  it('shows what the run was given, why CAGR is blank, the open position and the benchmark', async () => {
    signIn();
    fakeServer({ 'GET /api/v1/backtests/bt1': { body: run('bt1', { fast: 5, slow: 20 }, -0.43) } });
    renderWithProviders(<BacktestRoute />, { path: '/backtests/:backtestId', url: '/backtests/bt1' });
    const ranWith = await screen.findByRole('region', { name: 'Ran with' });
    expect(ranWith).toHaveTextContent('fast 5 · slow 20');
    expect(ranWith).toHaveTextContent('fee 0.1% · slippage 0%');
    expect(ranWith).toHaveTextContent('stop loss 2%');
    expect(ranWith).toHaveTextContent('BTCUSDT');
    expect(screen.getByText(/not shown for runs shorter than 30 days \(this one covers 7 days\)/)).toHaveTextContent('The period return is -0.43%');
    expect(screen.getByText(/daily returns, annualised by sqrt\(365\)/)).toBeInTheDocument();
    expect(screen.getByTestId('open-position')).toHaveTextContent('unrealised -96.13');
    expect(screen.getByTestId('benchmark')).toHaveTextContent('Buy and hold over the same period: 5% (max drawdown 8%)');
    expect(screen.getByRole('img', { name: /Backtest equity curve \(2 points; buy & hold 2\)/ })).toBeInTheDocument();

    const link = screen.getByRole('link', { name: 'Create a bot from this backtest' });
    const url = new URL(link.getAttribute('href') ?? '', 'http://x');
    expect(url.pathname).toBe('/bots/new');
    expect(JSON.parse(url.searchParams.get('prefill') ?? '')).toMatchObject({
      strategy: 'sma_cross', params: { fast: 5, slow: 20 }, risk: { stop_loss_pct: 2 }, symbol: 'BTCUSDT', interval: '1h', source: 'bt1',
    });
  });

  it('opens the bot form pre-filled from the prefill in the URL', async () => {
    signIn();
    fakeServer({
      'GET /api/v1/strategies': { body: { items: [smaCross, grid] } },
      'GET /api/v1/market/symbols': { body: { items: [btc, eth] } },
      'GET /api/v1/api-keys': { body: { items: [] } },
      'POST /api/v1/bots/plan': { status: 422, body: { error: { code: 'validation_error', message: 'x', details: [] } } },
    });
    const prefill = { strategy: 'sma_cross', params: { fast: 7, slow: 40 }, risk: { stop_loss_pct: 2 }, symbol: 'ETHUSDT', interval: '5m', name: 'From bt1', source: 'bt1' };
    renderWithProviders(<NewBotRoute />, { path: '/bots/new', url: `/bots/new?prefill=${encodeURIComponent(JSON.stringify(prefill))}` });
    expect(await screen.findByLabelText('Fast')).toHaveValue(7);
    expect(screen.getByLabelText('Slow')).toHaveValue(40);
    expect(screen.getByLabelText('Symbol')).toHaveValue('ETHUSDT');
    expect(screen.getByLabelText('Candle interval')).toHaveValue('5m');
    expect(screen.getByLabelText('Stop-loss %')).toHaveValue(2);
    expect(screen.getByLabelText('Name')).toHaveValue('From bt1');
    expect(screen.getByRole('link', { name: 'a backtest' })).toHaveAttribute('href', '/backtests/bt1');
  });

  it('lists each run with its parameters and compares the ticked ones', async () => {
    signIn();
    const a = run('a', { fast: 5, slow: 20 }, -0.43);
    const b = run('b', { fast: 10, slow: 50 }, 3.2);
    fakeServer({
      'GET /api/v1/strategies': { body: { items: [smaCross, grid] } },
      'GET /api/v1/market/symbols': { body: { items: [btc, eth] } },
      'GET /api/v1/backtests': { body: { items: [a, b], next_cursor: null } },
    });
    const { user } = renderWithProviders(<BacktestsRoute />, { path: '/backtests' });
    const list = await screen.findByRole('list', { name: 'Recent backtests' });
    expect(list).toHaveTextContent('fast 5 · slow 20');
    expect(list).toHaveTextContent('fast 10 · slow 50');
    const compare = screen.getByRole('button', { name: 'Compare selected (0)' });
    expect(compare).toBeDisabled();
    const boxes = within(list).getAllByRole('checkbox');
    await user.click(boxes[0]);
    await user.click(boxes[1]);
    await user.click(screen.getByRole('button', { name: 'Compare selected (2)' }));
    expect(screen.getByTestId('location')).toHaveTextContent('/backtests/compare?ids=a,b');
  });

  it('shows runs side by side: inputs, metrics and the equity curves on one chart', async () => {
    signIn();
    fakeServer({
      'GET /api/v1/backtests/a': { body: run('a', { fast: 5, slow: 20 }, -0.43) },
      'GET /api/v1/backtests/b': { body: run('b', { fast: 10, slow: 50 }, 3.2) },
    });
    renderWithProviders(<BacktestsCompareRoute />, { path: '/backtests/compare', url: '/backtests/compare?ids=a,b' });
    const table = await screen.findByRole('table', { name: 'Backtests compared' });
    const row = (name: string) => within(table).getByRole('rowheader', { name }).closest('tr') as HTMLElement;
    expect(row('Parameters')).toHaveTextContent('fast 5 · slow 20fast 10 · slow 50');
    expect(row('Total return')).toHaveTextContent('-0.43%3.2%');
    expect(row('Expectancy per trade')).toHaveTextContent('+4.43');
    expect(row('CAGR')).toHaveTextContent('——');
    expect(row('Buy and hold')).toHaveTextContent('5%5%');
    expect(screen.getByRole('img', { name: 'Equity curves of 2 backtests (2 points; #2 2)' })).toBeInTheDocument();
  });

  it('names the strategy in the list and the comparison, not by its id', async () => {
    signIn();
    fakeServer({
      'GET /api/v1/strategies': { body: { items: [smaCross, grid] } },
      'GET /api/v1/market/symbols': { body: { items: [btc, eth] } },
      'GET /api/v1/backtests': { body: { items: [run('a', { fast: 5, slow: 20 }, 1)], next_cursor: null } },
      'GET /api/v1/backtests/a': { body: run('a', { fast: 5, slow: 20 }, 1) },
      'GET /api/v1/backtests/b': { body: run('b', { fast: 10, slow: 50 }, 2) },
    });
    const first = renderWithProviders(<BacktestsRoute />, { path: '/backtests' });
    const list = await screen.findByRole('list', { name: 'Recent backtests' });
    await vi.waitFor(() => expect(within(list).getByRole('link')).toHaveTextContent('SMA crossover · BTCUSDT · 1h'));
    first.unmount();
    renderWithProviders(<BacktestsCompareRoute />, { path: '/backtests/compare', url: '/backtests/compare?ids=a,b' });
    const table = await screen.findByRole('table', { name: 'Backtests compared' });
    const row = within(table).getByRole('rowheader', { name: 'Run' }).closest('tr') as HTMLElement;
    await vi.waitFor(() => expect(row).toHaveTextContent('SMA crossover · BTCUSDT · 1hSMA crossover · BTCUSDT · 1h'));
  });

  it('asks for two runs when fewer are given', async () => {
    signIn();
    fakeServer({});
    renderWithProviders(<BacktestsCompareRoute />, { path: '/backtests/compare', url: '/backtests/compare?ids=a' });
    expect(await screen.findByText('Choose two or more backtests')).toBeInTheDocument();
  });
});
