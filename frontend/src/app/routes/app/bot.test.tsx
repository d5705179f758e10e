import { screen } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { formatDateTime } from '@/lib/format';
import { apiError } from '@/testing/fake-fetch';
import { scalperBot } from '@/testing/fixtures';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import BotRoute from './bot';

const chart = vi.hoisted(() => ({ setData: vi.fn(), setMarkers: vi.fn(), createPriceLine: vi.fn(() => ({})) }));
vi.mock('lightweight-charts', () => ({
  ColorType: { Solid: 'solid' },
  LineStyle: { Dashed: 2 },
  CandlestickSeries: 'Candlestick',
  AreaSeries: 'Area',
  createChart: () => ({
    addSeries: () => ({ setData: chart.setData, createPriceLine: chart.createPriceLine, removePriceLine: vi.fn() }),
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

  it("shows the server's message when the bot cannot be loaded", async () => {
    signIn();
    fakeServer({ 'GET /api/v1/bots/nope': apiError(404, 'not_found', 'Bot not found') });
    renderWithProviders(<BotRoute />, { path: '/bots/:botId', url: '/bots/nope' });
    expect(await screen.findByRole('alert')).toHaveTextContent('Bot not found');
  });
});
