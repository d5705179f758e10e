import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { smaCross } from '@/testing/fixtures';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import BacktestRoute from './backtest';

vi.mock('@/components/charts/equity-chart', () => ({
  EquityChart: ({ points, label }: { points: unknown[]; label: string }) => <div role="img" aria-label={`${label} (${points.length} points)`} />,
}));

const result = {
  metrics: { final_equity: '10523.4', total_return_pct: 5.234, max_drawdown_pct: 3.1, sharpe: 1.42, num_trades: 2, win_rate_pct: 50 },
  equity: [
    { t: '2026-03-01T00:00:00Z', equity: '10000' },
    { t: '2026-03-02T00:00:00Z', equity: '10523.4' },
  ],
  trades: [{ entry_time: '2026-03-01T01:00:00Z', exit_time: '2026-03-01T05:00:00Z', entry_price: '100', exit_price: '106', quantity: '10', fee: '2.06', pnl: '57.94', return_pct: '5.79', exit_reason: 'take_profit' }],
};

describe('backtest page', () => {
  it('shows progress while the job runs, then metrics, equity curve and trades', async () => {
    signIn();
    let polls = 0;
    fakeServer({
      'GET /api/v1/backtests/bt1': () => {
        polls += 1;
        return { body: polls < 2 ? { id: 'bt1', status: 'running', progress: 0.4 } : { id: 'bt1', status: 'done', result } };
      },
    });
    renderWithProviders(<BacktestRoute />, { path: '/backtests/:backtestId', url: '/backtests/bt1' });
    expect(await screen.findByRole('progressbar', { name: 'Backtest progress' })).toHaveAttribute('aria-valuenow', '40');
    expect(await screen.findByText('Final equity', {}, { timeout: 3000 })).toBeInTheDocument();
    expect(screen.getByText('10,523.40')).toBeInTheDocument();
    expect(screen.getByText('5.23%')).toHaveClass('pos');
    expect(screen.getByRole('img', { name: 'Backtest equity curve (2 points)' })).toBeInTheDocument();
    expect(screen.getByRole('table', { name: 'Backtest trades' })).toHaveTextContent('take_profit');
  });

  it('shows why a job failed', async () => {
    signIn();
    fakeServer({ 'GET /api/v1/backtests/bt2': { body: { id: 'bt2', status: 'failed', error: 'No candles for BTCUSDT 1m in that range' } } });
    renderWithProviders(<BacktestRoute />, { path: '/backtests/:backtestId', url: '/backtests/bt2' });
    expect(await screen.findByRole('alert')).toHaveTextContent('No candles for BTCUSDT 1m in that range');
  });
});

describe('backtest page presentation', () => {
  it("names the strategy and prints the trades at the symbol's precision", async () => {
    signIn();
    const ethbtc = { symbol: 'ETHBTC', base_asset: 'ETH', quote_asset: 'BTC', min_notional: '0.0001', tick_size: '0.00001000', step_size: '0.00010000' };
    const trade = { entry_time: '2026-03-01T01:00:00Z', exit_time: '2026-03-01T05:00:00Z', entry_price: 0.0512345678, exit_price: 0.05298765, quantity: 1.23456789, fee: 0.000126543, pnl: 0.002036789, return_pct: 3.2, exit_reason: 'signal' };
    fakeServer({
      'GET /api/v1/backtests/bt2': {
        body: { id: 'bt2', status: 'done', strategy: 'sma_cross', symbol: 'ETHBTC', interval: '1h', params: { fast: 5, slow: 20 }, result: { ...result, trades: [trade] } },
      },
      'GET /api/v1/market/symbols': { body: { items: [ethbtc] } },
      'GET /api/v1/strategies': { body: { items: [smaCross] } },
    });
    renderWithProviders(<BacktestRoute />, { path: '/backtests/:backtestId', url: '/backtests/bt2' });
    const table = await screen.findByRole('table', { name: 'Backtest trades' });
    await vi.waitFor(() => expect(within(table).getAllByRole('cell')[1]).toHaveTextContent(/^0\.05123$/));
    const cells = within(table).getAllByRole('cell').map((c) => c.textContent);
    // entry price, exit price at the 0.00001 tick; quantity at the 0.0001 step; fee and PnL at the quote's 4 places.
    expect([cells[1], cells[3], cells[4], cells[5], cells[6]]).toEqual(['0.05123', '0.05299', '1.2346', '0.0001', '+0.0020']);
    const ranWith = screen.getByRole('region', { name: 'Ran with' });
    await vi.waitFor(() => expect(ranWith).toHaveTextContent('SMA crossover'));
    expect(ranWith).not.toHaveTextContent('sma_cross');
  });
});
