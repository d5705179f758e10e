import { screen } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { formatDateTime } from '@/lib/format';
import { apiError } from '@/testing/fake-fetch';
import { btc, grid, scalperBot, smaCross } from '@/testing/fixtures';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import BotRoute from './bot';

const chart = vi.hoisted(() => ({
  setData: vi.fn(),
  setMarkers: vi.fn(),
  createPriceLine: vi.fn(() => ({})),
  addSeries: vi.fn(),
  applyOptions: vi.fn(),
}));
vi.mock('lightweight-charts', () => ({
  ColorType: { Solid: 'solid' },
  LineStyle: { Dashed: 2 },
  CandlestickSeries: 'Candlestick',
  LineSeries: 'Line',
  AreaSeries: 'Area',
  createChart: () => ({
    addSeries: (...args: unknown[]) => {
      chart.addSeries(...args);
      return { setData: chart.setData, createPriceLine: chart.createPriceLine, removePriceLine: vi.fn(), applyOptions: chart.applyOptions };
    },
    removeSeries: vi.fn(),
    timeScale: () => ({ fitContent: vi.fn(), setVisibleLogicalRange: vi.fn(), subscribeSizeChange: vi.fn(), unsubscribeSizeChange: vi.fn() }),
    remove: vi.fn(),
  }),
  createSeriesMarkers: () => ({ setMarkers: chart.setMarkers }),
}));

const bot = {
  ...scalperBot,
  next_tick_at: '2026-03-01T10:06:00Z',
  state: { in_position: true, entry_price: '65000', quantity: '0.0015', unrealised_pnl: '0.42', realised_pnl: '-1.5', last_tick_at: '2026-03-01T10:05:00Z', last_error: 'Insufficient balance (-2010)' },
};

describe('bot page', () => {
  beforeEach(() => Object.values(chart).forEach((f) => f.mockClear()));

  it('shows state, last error, candles with a marker per trade, and the trades', async () => {
    signIn();
    fakeServer({
      'GET /api/v1/bots/b1': { body: bot },
      'GET /api/v1/bots/b1/trades': {
        body: {
          items: [
            { id: 't1', bot_id: 'b1', symbol: 'BTCUSDT', side: 'BUY', price: '65000', quantity: '0.0015', executed_at: '2026-03-01T10:02:10Z', mode: 'paper' },
          ],
          next_cursor: null,
        },
      },
      'GET /api/v1/market/candles': (req) => ({
        body: {
          items: req.query.get('symbol') === 'BTCUSDT' && req.query.get('interval') === '1m'
            ? [0, 1, 2, 3].map((i) => ({ open_time: Date.parse('2026-03-01T10:00:00Z') + i * 60_000, open: '64990', high: '65010', low: '64980', close: '65000', volume: '3' }))
            : [],
        },
      }),
    });
    renderWithProviders(<BotRoute />, { path: '/bots/:botId', url: '/bots/b1' });
    expect(await screen.findByRole('heading', { name: 'Scalper' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Edit' })).toHaveAttribute('href', '/bots/b1/edit');
    expect(screen.getByText(/Insufficient balance \(-2010\)/)).toBeInTheDocument();
    expect(screen.getByText('0.0015 @ 65,000')).toBeInTheDocument();
    expect(screen.getByText('Next tick').nextElementSibling).toHaveTextContent(formatDateTime('2026-03-01T10:06:00Z'));
    expect(await screen.findByRole('img', { name: 'BTCUSDT candles with 1 trade markers' })).toBeInTheDocument();
    await vi.waitFor(() => expect(chart.setData).toHaveBeenLastCalledWith(expect.arrayContaining([expect.objectContaining({ time: Date.parse('2026-03-01T10:00:00Z') / 1000, close: 65000 })])));
    expect(chart.setMarkers).toHaveBeenLastCalledWith([
      expect.objectContaining({ time: Date.parse('2026-03-01T10:02:00Z') / 1000, shape: 'arrowUp', position: 'belowBar' }),
    ]);
    expect(chart.createPriceLine).toHaveBeenCalledWith(expect.objectContaining({ price: 65000 }));
    expect(await screen.findByRole('table', { name: 'Trades of Scalper' })).toHaveTextContent('BUY');
  });

  it('marks the fills the drift report could not match on the candle chart, beside the trades', async () => {
    signIn();
    const tick = Date.parse('2026-03-01T10:02:00Z');
    const fill = { id: 'backtest-0', side: 'SELL', leg: 'main', tick_at: tick, executed_at: tick, price: '65000', quantity: '0.0015', fee: '0.1', fee_asset: 'USDT', fee_rate: '0.001', reason: 'exit' };
    const server = fakeServer({
      'GET /api/v1/bots/b1': { body: { ...bot, updated_at: '2026-03-01T10:00:00Z' } },
      'GET /api/v1/bots/b1/trades': { body: { items: [], next_cursor: null } },
      'GET /api/v1/market/candles': candles,
      'GET /api/v1/bots/b1/drift': {
        body: {
          summary: { live_pnl: '0', backtest_pnl: '0.4', slippage: '0', fees: '0', quantity: '0', timing: '-0.4', rejections: '0', config: '0', unexplained: '0' },
          pairs: [],
          unmatched: [{ side: 'backtest', fill, reason: 'missed_tick', detail: '', amount: '-0.4' }],
          source: 'market:ReplayMarket',
          equity: [{ t: tick, live: 100, backtest: 100.4 }],
        },
      },
    });
    renderWithProviders(<BotRoute />, { path: '/bots/:botId', url: '/bots/b1' });
    expect(await screen.findByRole('img', { name: 'BTCUSDT candles with 0 trade markers, 1 unmatched drift markers' })).toBeInTheDocument();
    expect(chart.setMarkers).toHaveBeenLastCalledWith([
      expect.objectContaining({ time: tick / 1000, shape: 'circle', position: 'aboveBar', text: 'Backtest only: Missed tick' }),
    ]);
    expect(screen.getByRole('table', { name: 'Unmatched fills (1)' })).toHaveTextContent('Missed tick');
    expect(server.callsTo('GET', '/api/v1/bots/b1/drift')[0]?.query.get('to')).toBe(String(Date.parse('2026-03-01T10:05:00Z')));
  });

  it("shows the server's message when the bot cannot be loaded", async () => {
    signIn();
    fakeServer({ 'GET /api/v1/bots/nope': apiError(404, 'not_found', 'Bot not found') });
    renderWithProviders(<BotRoute />, { path: '/bots/:botId', url: '/bots/nope' });
    expect(await screen.findByRole('alert')).toHaveTextContent('Bot not found');
  });

  const candles = {
    body: { items: [0, 1, 2].map((i) => ({ open_time: Date.parse('2026-03-01T10:00:00Z') + i * 60_000, open: '64990', high: '65010', low: '64980', close: '65000', volume: '3' })) },
  };
  const symbols = { body: { items: [{ ...btc, tick_size: '0.01000000', step_size: '0.00001000' }] } };

  it('draws the indicator lines the strategy declares, at the symbol precision, with the strategy named', async () => {
    signIn();
    fakeServer({
      'GET /api/v1/bots/b1': { body: { ...bot, state: { ...bot.state, last_error: null, entry_price: '65000.123456', quantity: '0.00153333' } } },
      'GET /api/v1/bots/b1/trades': { body: { items: [], next_cursor: null } },
      'GET /api/v1/market/candles': candles,
      'GET /api/v1/market/symbols': symbols,
      'GET /api/v1/strategies': { body: { items: [smaCross] } },
      'GET /api/v1/bots/b1/chart': {
        body: {
          plots: [
            { name: 'SMA 5', pane: 'price', points: [{ time: Date.parse('2026-03-01T10:02:00Z'), value: 65001 }] },
            { name: 'SMA 20', pane: 'price', points: [{ time: Date.parse('2026-03-01T10:02:00Z'), value: 64999 }] },
          ],
          levels: [],
          held_cells: [],
          dca_base_price: null,
          dca_in_cycle: false,
          safety_orders: [],
        },
      },
    });
    renderWithProviders(<BotRoute />, { path: '/bots/:botId', url: '/bots/b1' });
    expect(await screen.findByRole('img', { name: 'BTCUSDT candles with 0 trade markers, 2 indicator lines' })).toBeInTheDocument();
    expect(chart.addSeries).toHaveBeenCalledWith('Line', expect.objectContaining({ title: 'SMA 5' }), 0);
    expect(chart.setData).toHaveBeenCalledWith([{ time: Date.parse('2026-03-01T10:02:00Z') / 1000, value: 65001 }]);
    expect(screen.getByRole('list', { name: 'Chart legend' })).toHaveTextContent('SMA 20');
    expect(await screen.findByText('0.00153 @ 65,000.12')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Parameters' })).toHaveTextContent(smaCross.name);
    expect(chart.applyOptions).toHaveBeenCalledWith({ priceFormat: { type: 'price', precision: 2, minMove: 0.01 } });
  });

  it('draws grid levels as price lines and lists the DCA plan with its filled safety orders', async () => {
    signIn();
    const gridBot = { ...bot, id: 'g1', name: 'Grid', strategy: 'grid', params: { lower: 60000, upper: 70000, levels: 3 }, state: {} };
    fakeServer({
      'GET /api/v1/bots/g1': { body: gridBot },
      'GET /api/v1/bots/g1/trades': { body: { items: [], next_cursor: null } },
      'GET /api/v1/market/candles': candles,
      'GET /api/v1/market/symbols': symbols,
      'GET /api/v1/strategies': { body: { items: [grid] } },
      'GET /api/v1/bots/g1/chart': {
        body: {
          plots: [],
          levels: [60000, 65000, 70000],
          held_cells: [1],
          dca_base_price: 65000,
          dca_in_cycle: true,
          safety_orders: [
            { leg: 'safety_1', price: 64350, quote: 20, filled: true },
            { leg: 'safety_2', price: 63700.123, quote: 20, filled: false },
          ],
        },
      },
    });
    renderWithProviders(<BotRoute />, { path: '/bots/:botId', url: '/bots/g1' });
    expect(await screen.findByRole('img', { name: 'BTCUSDT candles with 0 trade markers, 3 grid levels' })).toBeInTheDocument();
    await vi.waitFor(() => expect(chart.createPriceLine).toHaveBeenCalledWith(expect.objectContaining({ price: 65000, title: 'grid 2 · held' })));
    expect(chart.createPriceLine).toHaveBeenCalledWith(expect.objectContaining({ price: 60000, title: 'grid 1' }));
    expect(chart.createPriceLine).toHaveBeenCalledWith(expect.objectContaining({ price: 63700.123, title: 'safety 2 @ 63,700.12' }));
    const plan = screen.getByRole('region', { name: 'DCA plan' });
    expect(plan).toHaveTextContent('Cycle opened at 65,000.00; 1 of 2 safety orders filled.');
    expect(plan).toHaveTextContent('Safety order 1');
    expect(plan).toHaveTextContent('20.00 USDT');
    expect(screen.getByRole('region', { name: 'Parameters' })).toHaveTextContent('60,000.00');
  });
});
