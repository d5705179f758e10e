import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { Optimization, Trial } from '@/features/optimizations/types';
import { btc, eth, grid, smaCross } from '@/testing/fixtures';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import OptimizeRoute from './optimize';

vi.mock('@/components/charts/equity-chart', () => ({
  OVERLAY_COLORS: ['#f0b90b'],
  EquityChart: ({ points, title, overlays, label }: { points: unknown[]; title: string; overlays: Array<{ title: string; points: unknown[] }>; label: string }) => (
    <div role="img" aria-label={label}>
      {[`${title}: ${points.length} points`, ...overlays.map((o) => `${o.title}: ${o.points.length} points`)].join('; ')}
    </div>
  ),
}));

const HOUR = 3_600_000;
const curve = (from: number, values: number[]) => values.map((equity, k) => ({ time: from + k * HOUR, equity }));
const T0 = Date.UTC(2025, 0, 1);

const trial = (id: number, fast: number, slow: number, score: number | null, ret: number): Trial => ({
  id, point: { fast, slow }, params: { fast, slow }, risk: {}, state: score === null ? 'no_score' : 'complete', score,
  in_sample: { total_return_pct: ret, sharpe: score, max_drawdown_pct: 5, win_rate_pct: 50, num_trades: 8, profit_factor: 1.4 },
});
const trials = [trial(0, 5, 20, 0.8, 3), trial(1, 10, 20, 2.1, 9), trial(2, 5, 30, null, -1), trial(3, 10, 30, 1.2, 12)];

const job = (over: Partial<Optimization> = {}): Optimization => ({
  id: 'op1', status: 'running', error: null, strategy: 'sma_cross', symbol: 'BTCUSDT', interval: '1h', source: 'range', bars: 720,
  start: '2025-01-01T00:00:00Z', end: '2025-01-31T00:00:00Z', created_at: '2025-02-01T00:00:00Z', updated_at: '2025-02-01T00:00:00Z',
  spec: { objective: 'sharpe', sampler: 'grid' },
  progress: { done: 1, total: 4, percent: 25, best_so_far: { trial: 0, point: { fast: 5, slow: 20 }, score: 0.8 }, eta_s: 90 },
  result: null,
  ...over,
});

const done = (warning: boolean) =>
  job({
    status: 'done',
    progress: { done: 4, total: 4, percent: 100, best_so_far: { trial: 1, point: { fast: 10, slow: 20 }, score: 2.1 }, eta_s: null },
    result: {
      objective: 'sharpe', trials, best: { ...trials[1]!, out_of_sample: { total_return_pct: 1, sharpe: 0.4 } },
      top: [
        {
          trial: 1, params: { fast: 10, slow: 20 }, in_sample_score: 2.1, out_of_sample_score: 0.4, out_of_sample: { total_return_pct: 1, sharpe: 0.4, num_trades: 3 },
          equity: { in_sample: curve(T0, [10_000, 10_400, 10_900]), out_of_sample: curve(T0 + 3 * HOUR, [10_000, 10_100]) },
        },
        { trial: 3, params: { fast: 10, slow: 30 }, in_sample_score: 1.2, out_of_sample_score: 1.1, out_of_sample: { total_return_pct: 4, sharpe: 1.1, num_trades: 2 } },
      ],
      walk_forward: null, overfitting_warning: warning, overfit_fraction: 0.5, held_out_bars: 216, unfinished_trials: 0,
    },
  });

const catalog = { 'GET /api/v1/strategies': { body: { items: [smaCross, grid] } }, 'GET /api/v1/market/symbols': { body: { items: [btc, eth] } }, 'GET /api/v1/optimizations': { body: { items: [] } } };

describe('the Optimize page', () => {
  it('sends the ranges as the search space and opens the job', async () => {
    signIn();
    const server = fakeServer({ ...catalog, 'POST /api/v1/optimizations': { status: 202, body: job() }, 'GET /api/v1/optimizations/op1': { body: job() } });
    const { user } = renderWithProviders(<OptimizeRoute />, { path: '/optimize', extraRoutes: [{ path: '/optimize/:optimizationId', element: <OptimizeRoute /> }] });
    const fast = await screen.findByRole('group', { name: 'Fast' });
    await user.click(within(fast).getByRole('radio', { name: 'Range' }));
    await user.clear(screen.getByLabelText('Fast low'));
    await user.type(screen.getByLabelText('Fast low'), '5');
    await user.clear(screen.getByLabelText('Fast high'));
    await user.type(screen.getByLabelText('Fast high'), '15');
    await user.clear(screen.getByLabelText('Fast step'));
    await user.type(screen.getByLabelText('Fast step'), '5');
    const slow = screen.getByRole('group', { name: 'Slow' });
    await user.click(within(slow).getByRole('radio', { name: 'Range' }));
    await user.clear(screen.getByLabelText('Slow low'));
    await user.type(screen.getByLabelText('Slow low'), '20');
    await user.clear(screen.getByLabelText('Slow high'));
    await user.type(screen.getByLabelText('Slow high'), '50');
    await user.clear(screen.getByLabelText('Slow step'));
    await user.type(screen.getByLabelText('Slow step'), '10');
    expect(screen.getByTestId('grid-points')).toHaveTextContent('12 grid points');
    await user.selectOptions(screen.getByLabelText('Objective'), 'total_return');
    await user.click(screen.getByRole('button', { name: 'Start optimization' }));
    await screen.findByRole('heading', { name: 'Optimization: sma_cross on BTCUSDT 1h' });
    const post = server.calls.find((c) => c.method === 'POST')!;
    expect(post.body).toMatchObject({
      strategy: 'sma_cross', params: {}, space: { fast: { low: 5, high: 15, step: 5 }, slow: { low: 20, high: 50, step: 10 } },
      objective: 'total_return', sampler: 'grid', trials: 12, validation: { test_pct: 30 }, symbol: 'BTCUSDT', interval: '1h',
    });
  });

  it('searches a risk rule as risk.<name> next to a fixed one', async () => {
    signIn();
    const server = fakeServer({ ...catalog, 'POST /api/v1/optimizations': { status: 202, body: job() }, 'GET /api/v1/optimizations/op1': { body: job() } });
    const { user } = renderWithProviders(<OptimizeRoute />, { path: '/optimize', extraRoutes: [{ path: '/optimize/:optimizationId', element: <OptimizeRoute /> }] });
    const stop = await screen.findByRole('group', { name: 'Stop-loss %' });
    expect(within(stop).getByRole('radio', { name: 'Off' })).toBeChecked();
    await user.click(within(stop).getByRole('radio', { name: 'Range' }));
    await user.clear(screen.getByLabelText('Stop-loss % high'));
    await user.type(screen.getByLabelText('Stop-loss % high'), '3');
    await user.click(within(screen.getByRole('group', { name: 'Take-profit %' })).getByRole('radio', { name: 'Fixed' }));
    await user.type(screen.getByLabelText('Take-profit % value'), '6');
    expect(screen.getByTestId('grid-points')).toHaveTextContent('3 grid points');
    await user.click(screen.getByRole('button', { name: 'Start optimization' }));
    await screen.findByRole('heading', { name: 'Optimization: sma_cross on BTCUSDT 1h' });
    expect(server.calls.find((c) => c.method === 'POST')!.body).toMatchObject({
      params: { fast: 10, slow: 30 }, risk: { take_profit_pct: 6 }, space: { 'risk.stop_loss_pct': { low: 1, high: 3, step: 1 } },
    });
  });

  it("shows the server's refusal on the parameter it names", async () => {
    signIn();
    fakeServer({
      ...catalog,
      'POST /api/v1/optimizations': {
        status: 422,
        body: { error: { code: 'invalid_space', message: 'The search space is not valid.', details: [{ field: 'space.fast', message: 'outside the schema bounds' }, { field: 'trials', message: 'too many' }] } },
      },
    });
    const { user } = renderWithProviders(<OptimizeRoute />, { path: '/optimize' });
    await user.click(within(await screen.findByRole('group', { name: 'Fast' })).getByRole('radio', { name: 'Range' }));
    await user.click(screen.getByRole('button', { name: 'Start optimization' }));
    expect(await within(screen.getByRole('group', { name: 'Fast' })).findByText('outside the schema bounds')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('The search space is not valid.');
  });

  it('polls a running job every 2 s with done/total, best so far and ETA, and cancels it', async () => {
    signIn();
    let polls = 0;
    const server = fakeServer({
      'GET /api/v1/optimizations/op1': () => ({ body: polls++ === 0 ? job() : job({ progress: { done: 3, total: 4, percent: 75, best_so_far: { trial: 1, point: { fast: 10, slow: 20 }, score: 2.1 }, eta_s: 20 } }) }),
      'DELETE /api/v1/optimizations/op1': { body: job({ status: 'cancelled', result: { ...done(false).result!, trials: trials.slice(0, 3) } }) },
    });
    const { user } = renderWithProviders(<OptimizeRoute />, { path: '/optimize/:optimizationId', url: '/optimize/op1' });
    expect(await screen.findByTestId('trials-done')).toHaveTextContent('1 / 4 trials');
    expect(screen.getByRole('progressbar', { name: 'Trials done' })).toHaveAttribute('value', '1');
    expect(screen.getByText(/about 2 minutes left/)).toBeInTheDocument();
    expect(screen.getByText(/Best so far: 0.8 \(trial 0: fast 5, slow 20\)/)).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('trials-done')).toHaveTextContent('3 / 4 trials'), { timeout: 4_000 });
    expect(screen.getByText(/Best so far: 2.1 \(trial 1/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Cancel optimization' }));
    expect(await screen.findByText(/Cancelled after/)).toBeInTheDocument();
    expect(server.calls.some((c) => c.method === 'DELETE')).toBe(true);
    expect(screen.queryByRole('button', { name: 'Cancel optimization' })).not.toBeInTheDocument();
  });

  it('shows the overfitting warning, the top trials out of sample, a heatmap and the chosen trial side by side', async () => {
    signIn();
    fakeServer({ 'GET /api/v1/optimizations/op1': { body: done(true) } });
    const { user } = renderWithProviders(<OptimizeRoute />, { path: '/optimize/:optimizationId', url: '/optimize/op1' });
    expect(await screen.findByTestId('overfitting-warning')).toHaveTextContent('below 50% of its in-sample sharpe');
    const heat = screen.getByRole('table', { name: 'Heatmap of sharpe by fast and slow' });
    expect(within(heat).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['slow \\ fast', '5', '10']);
    expect(within(heat).getAllByRole('rowheader').map((h) => h.textContent)).toEqual(['30', '20']);
    expect(within(heat).getByRole('button', { name: 'fast 10, slow 20: sharpe 2.1' }).closest('td')).toHaveStyle({ background: 'rgb(253, 231, 37)' });
    expect(within(heat).getByText('fast 5, slow 30: sharpe no score')).toBeInTheDocument();
    const chosen = screen.getByRole('table', { name: 'Trial 1: in-sample and out-of-sample metrics' });
    const score = within(chosen).getByRole('row', { name: /Objective score/ });
    expect(within(score).getAllByRole('cell').map((c) => c.textContent)).toEqual(['Objective score', '2.1', '0.4']);
    await user.click(within(heat).getByRole('button', { name: 'fast 10, slow 30: sharpe 1.2' }));
    expect(screen.getByRole('table', { name: 'Trial 3: in-sample and out-of-sample metrics' })).toBeInTheDocument();
  });

  it("draws the chosen top trial's in-sample and out-of-sample equity on one chart, and no chart without curves", async () => {
    signIn();
    fakeServer({ 'GET /api/v1/optimizations/op1': { body: done(false) } });
    const { user } = renderWithProviders(<OptimizeRoute />, { path: '/optimize/:optimizationId', url: '/optimize/op1' });
    const chart = await screen.findByRole('img', { name: 'Trial 1: in-sample and out-of-sample equity' });
    expect(chart).toHaveTextContent('in sample: 3 points; out of sample: 2 points');
    expect(screen.getByTestId('trial-equity')).toHaveTextContent(/in sample.*out of sample/);
    await user.click(screen.getByRole('button', { name: 'Choose trial 3' }));
    expect(screen.getByRole('table', { name: 'Trial 3: in-sample and out-of-sample metrics' })).toBeInTheDocument();
    expect(screen.queryByTestId('trial-equity')).not.toBeInTheDocument();
  });

  it('says the overfitting check does not apply when even the best in-sample score is not positive', async () => {
    signIn();
    const losing = done(false);
    losing.result!.best!.score = -1.5;
    fakeServer({ 'GET /api/v1/optimizations/op1': { body: losing } });
    renderWithProviders(<OptimizeRoute />, { path: '/optimize/:optimizationId', url: '/optimize/op1' });
    expect(await screen.findByText(/best in-sample sharpe is not positive, so the overfitting check does not apply/)).toBeInTheDocument();
    expect(screen.queryByTestId('overfitting-warning')).not.toBeInTheDocument();
  });

  it('sorts the trials table by a column, each click the other way, unscored trials last', async () => {
    signIn();
    fakeServer({ 'GET /api/v1/optimizations/op1': { body: done(false) } });
    const { user } = renderWithProviders(<OptimizeRoute />, { path: '/optimize/:optimizationId', url: '/optimize/op1' });
    const table = await screen.findByRole('table', { name: /^Trials, sorted by/ });
    const ids = () => within(table).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell')[1]!.textContent);
    expect(ids()).toEqual(['1', '3', '0', '2']);
    await user.click(within(table).getByRole('button', { name: /^Return/ }));
    expect(ids()).toEqual(['3', '1', '0', '2']);
    expect(within(table).getByRole('columnheader', { name: /Return/ })).toHaveAttribute('aria-sort', 'descending');
    await user.click(within(table).getByRole('button', { name: /^Return/ }));
    expect(ids()).toEqual(['2', '0', '1', '3']);
    await user.click(within(table).getByRole('button', { name: /^Score/ }));
    expect(ids()).toEqual(['1', '3', '0', '2']);
  });

  it('creates a bot from the chosen trial and opens it', async () => {
    signIn();
    const server = fakeServer({ 'GET /api/v1/optimizations/op1': { body: done(false) }, 'POST /api/v1/optimizations/op1/bots': { status: 201, body: { id: 'bot9', name: 'sma' } } });
    const { user } = renderWithProviders(<OptimizeRoute />, { path: '/optimize/:optimizationId', url: '/optimize/op1' });
    await user.click(await screen.findByRole('button', { name: 'Choose trial 3' }));
    await user.click(screen.getByRole('button', { name: 'Create bot from this trial' }));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/bots/bot9'));
    expect(server.calls.find((c) => c.method === 'POST')!.body).toEqual({ trial: 3 });
  });
});
