import { screen, within } from '@testing-library/react';
import { useState } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { apiError } from '@/testing/fake-fetch';
import { scalperBot } from '@/testing/fixtures';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import type { DriftReport } from '../api/get-bot-drift';
import type { Bot } from '../types';
import { DriftPanel, useDriftReport } from './drift-panel';

const chart = vi.hoisted(() => ({ addSeries: vi.fn(), setData: vi.fn() }));
vi.mock('lightweight-charts', () => ({
  ColorType: { Solid: 'solid' },
  AreaSeries: 'Area',
  LineSeries: 'Line',
  createChart: () => ({
    addSeries: (...args: unknown[]) => {
      chart.addSeries(...args);
      return { setData: chart.setData, applyOptions: vi.fn() };
    },
    removeSeries: vi.fn(),
    timeScale: () => ({ fitContent: vi.fn(), subscribeSizeChange: vi.fn(), unsubscribeSizeChange: vi.fn() }),
    remove: vi.fn(),
  }),
}));

const START = Date.parse('2026-03-01T10:00:00Z');
const LAST_TICK = START + 30 * 60_000;
const bot: Bot = {
  ...scalperBot,
  updated_at: new Date(START).toISOString(),
  created_at: '2026-02-27T08:00:00Z',
  state: { last_tick_at: new Date(LAST_TICK).toISOString() },
};
const precision = { price: 2, qty: 5, money: 2, quote: 'USDT' };

const fill = (id: string, side: string, at: number, price: string) => ({
  id, side, leg: 'main', tick_at: at, executed_at: at, price, quantity: '0.00150', fee: '0.0975', fee_asset: 'USDT', fee_rate: '0.001', reason: 'entry',
});

const report: DriftReport = {
  summary: { live_pnl: '-1.25', backtest_pnl: '0.5', slippage: '-0.75', fees: '-0.02', quantity: '0.01', timing: '-0.99', rejections: '0', config: '0', unexplained: '0' },
  pairs: [
    {
      kind: 'tick',
      live: { ...fill('tb1', 'BUY', START + 60_000, '65010'), executed_at: START + 61_500 },
      backtest: fill('backtest-0', 'BUY', START + 60_000, '65000'),
      time_ms: 1500,
      slippage_bps: '1.5384',
      fee_diff: '0.0001',
      fee_rate_diff: '0',
      quantity_diff: '0',
      amounts: { slippage: '-0.015', fees: '-0.0001', quantity: '0' },
    },
  ],
  unmatched: [{ side: 'backtest', fill: fill('backtest-1', 'SELL', START + 20 * 60_000, '65500'), reason: 'missed_tick', detail: 'the tick at 10:20 never ran', amount: '-0.99' }],
  source: 'market:ReplayMarket',
  equity: [
    { t: START + 60_000, live: 100, backtest: 100 },
    { t: START + 120_000, live: 99.5, backtest: 100.2 },
  ],
};

function Panel({ bot }: { bot: Bot }) {
  const drift = useDriftReport(bot);
  return <DriftPanel bot={bot} drift={drift} precision={precision} />;
}

describe('DriftPanel', () => {
  beforeEach(() => Object.values(chart).forEach((f) => f.mockClear()));

  it('shows both equity curves, the gap by cause and the trade pairs with their differences, since the last start', async () => {
    signIn();
    const server = fakeServer({ 'GET /api/v1/bots/b1/drift': { body: report } });
    renderWithProviders(<Panel bot={bot} />);
    expect(await screen.findByRole('img', { name: 'Live and backtest equity of Scalper over 2 bar closes' })).toBeInTheDocument();
    const [call] = server.callsTo('GET', '/api/v1/bots/b1/drift');
    expect(call?.query.get('from')).toBe(String(START));
    expect(call?.query.get('to')).toBe(String(LAST_TICK));
    expect(chart.addSeries).toHaveBeenCalledWith('Line', expect.objectContaining({ title: 'Backtest' }));
    expect(chart.setData).toHaveBeenCalledWith([
      { time: (START + 60_000) / 1000, value: 100 },
      { time: (START + 120_000) / 1000, value: 100.2 },
    ]);

    expect(screen.getByText('Gap').nextElementSibling).toHaveTextContent('-1.75 USDT');
    const bars = within(screen.getByRole('list', { name: 'Gap by cause' })).getAllByRole('listitem');
    expect(bars.map((li) => li.textContent)).toEqual([
      'Slippage-0.75 USDT',
      'Fees-0.02 USDT',
      'Quantity+0.01 USDT',
      'Timing-0.99 USDT',
      'Rejections0.00 USDT',
      'Config0.00 USDT',
      'Unexplained0.00 USDT',
    ]);

    const pairs = screen.getByRole('table', { name: 'Trade pairs (1)' });
    const row = within(pairs).getAllByRole('row')[1]!;
    expect(row).toHaveTextContent('65,010.00');
    expect(row).toHaveTextContent('65,000.00');
    const [, , , , slippage, fee, qty, time] = within(row).getAllByRole('cell');
    expect(slippage).toHaveTextContent('+1.54');
    expect(slippage).toHaveClass('diff', 'neg');
    expect(fee).toHaveTextContent('+0.0001 USDT');
    expect(fee).toHaveClass('diff', 'neg');
    expect(qty).not.toHaveClass('diff');
    expect(time).toHaveTextContent('+1.5 s');

    const unmatched = screen.getByRole('table', { name: 'Unmatched fills (1)' });
    expect(unmatched).toHaveTextContent('Backtest only');
    expect(unmatched).toHaveTextContent('Missed tick');
    expect(unmatched).toHaveTextContent('the tick at 10:20 never ran');
    expect(unmatched).toHaveTextContent('-0.99 USDT');
  });

  it("marks a resting order's pair (filled on the same bar) apart from a tick's and a late one", async () => {
    signIn();
    const [tick] = report.pairs;
    const resting = { ...tick!, kind: 'bar', live: { ...tick!.live, id: 'tb2', executed_at: START + 120_000 }, time_ms: 60_000 };
    const late = { ...tick!, kind: 'late', live: { ...tick!.live, id: 'tb3' }, time_ms: 180_000 };
    fakeServer({ 'GET /api/v1/bots/b1/drift': { body: { ...report, pairs: [tick, resting, late] } } });
    renderWithProviders(<Panel bot={bot} />);
    const pairs = await screen.findByRole('table', { name: 'Trade pairs (3)' });
    const [, tickRow, barRow, lateRow] = within(pairs).getAllByRole('row');
    expect(within(tickRow!).queryByText(/resting|late/)).toBeNull();
    expect(within(barRow!).getByText('resting')).toHaveAttribute('title', expect.stringContaining('same bar'));
    expect(within(barRow!).getAllByRole('cell').at(-1)).not.toHaveClass('diff');
    expect(within(lateRow!).getByText('late')).toBeInTheDocument();
    expect(within(lateRow!).getAllByRole('cell').at(-1)).toHaveClass('diff');
  });

  it('asks the same URL again on 202 until the report is ready', async () => {
    signIn();
    let asked = 0;
    const server = fakeServer({
      'GET /api/v1/bots/b1/drift': () => (++asked < 3 ? { status: 202, body: { status: 'pending', report_id: 'r1', retry_after_ms: 50 } } : { body: report }),
    });
    renderWithProviders(<Panel bot={bot} />);
    expect(await screen.findByText('Long period: the report is being computed…')).toBeInTheDocument();
    expect(await screen.findByRole('table', { name: 'Trade pairs (1)' }, { timeout: 4000 })).toBeInTheDocument();
    const calls = server.callsTo('GET', '/api/v1/bots/b1/drift');
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.query.toString()))).toEqual(new Set([`from=${START}&to=${LAST_TICK}`]));
  });

  it("shows the API's error message and asks again for another period", async () => {
    signIn();
    const server = fakeServer({
      'GET /api/v1/bots/b1/drift': (req) =>
        req.query.get('from') === String(START)
          ? apiError(422, 'not_flat_at_from', 'The bot held a position at from; the replay starts flat.')
          : { body: { ...report, pairs: [], unmatched: [] } },
    });
    const { user } = renderWithProviders(<Panel bot={bot} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('The bot held a position at from; the replay starts flat.');
    await user.click(screen.getByRole('radio', { name: 'Last hour' }));
    expect(await screen.findByText('Every fill has its counterpart on the other side.')).toBeInTheDocument();
    expect(server.callsTo('GET', '/api/v1/bots/b1/drift').at(-1)?.query.get('from')).toBe(String(LAST_TICK - 3_600_000));
  });

  it('ends a period chosen before any tick at the first tick that comes', async () => {
    signIn();
    const server = fakeServer({ 'GET /api/v1/bots/b1/drift': { body: report } });
    const justStarted = { ...bot, updated_at: new Date(LAST_TICK + 10_000).toISOString() };
    function Ticking() {
      const [b, setB] = useState<Bot>(justStarted);
      return (
        <>
          <button type="button" onClick={() => setB({ ...justStarted, state: { last_tick_at: new Date(LAST_TICK + 60_000).toISOString() } })}>
            tick
          </button>
          <Panel bot={b} />
        </>
      );
    }
    const { user } = renderWithProviders(<Ticking />);
    expect(screen.getByText('No tick in this period yet')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'tick' }));
    expect(await screen.findByRole('table', { name: 'Trade pairs (1)' })).toBeInTheDocument();
    const calls = server.callsTo('GET', '/api/v1/bots/b1/drift');
    expect(calls.map((c) => c.query.toString())).toEqual([`from=${LAST_TICK + 10_000}&to=${LAST_TICK + 60_000}`]);
  });

  it('waits for a first tick, and offers no "since last start" to a stopped bot', async () => {
    signIn();
    const server = fakeServer({ 'GET /api/v1/bots/b1/drift': { body: report } });
    renderWithProviders(<Panel bot={{ ...bot, status: 'stopped', state: {} }} />);
    expect(screen.getByText('No tick in this period yet')).toBeInTheDocument();
    expect(screen.queryByRole('radio', { name: 'Since last start' })).not.toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'Since created' })).toBeChecked();
    expect(server.callsTo('GET', '/api/v1/bots/b1/drift')).toHaveLength(0);
  });
});
