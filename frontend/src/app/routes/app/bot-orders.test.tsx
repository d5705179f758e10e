import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { botOrdersQueryOptions } from '@/features/bots/api/get-bot-orders';
import { btc, scalperBot } from '@/testing/fixtures';
import { gridWithOrderType, order } from '@/testing/order-fixtures';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import BotRoute from './bot';

const chart = vi.hoisted(() => ({
  setData: vi.fn(),
  setMarkers: vi.fn(),
  createPriceLine: vi.fn((opts: { price: number; title: string }) => ({ ...opts })),
  removePriceLine: vi.fn(),
  addSeries: vi.fn(),
}));
vi.mock('lightweight-charts', () => ({
  ColorType: { Solid: 'solid' },
  LineStyle: { Dashed: 2, Dotted: 1 },
  CandlestickSeries: 'Candlestick',
  LineSeries: 'Line',
  createChart: () => ({
    addSeries: (...args: unknown[]) => (chart.addSeries(...args), { setData: chart.setData, createPriceLine: chart.createPriceLine, removePriceLine: chart.removePriceLine, applyOptions: vi.fn() }),
    removeSeries: vi.fn(),
    timeScale: () => ({ setVisibleLogicalRange: vi.fn() }),
    remove: vi.fn(),
  }),
  createSeriesMarkers: () => ({ setMarkers: chart.setMarkers }),
}));

const gridBot = {
  ...scalperBot,
  id: 'g1',
  name: 'Grid',
  strategy: 'grid',
  params: { lower: 60000, upper: 70000, levels: 3, order_type: 'limit' },
  state: { in_position: true, entry_price: '60000', quantity: '0.0015' },
};
const candles = {
  body: { items: [0, 1, 2].map((i) => ({ open_time: Date.parse('2026-03-01T10:00:00Z') + i * 60_000, open: '64990', high: '65010', low: '64980', close: '65000', volume: '3' })) },
};
const symbols = { body: { items: [{ ...btc, tick_size: '0.01000000', step_size: '0.00001000' }] } };
const overlay = { body: { plots: [], levels: [60000, 65000, 70000], held_cells: [0], dca_base_price: null, dca_in_cycle: false, safety_orders: [] } };

const firstOrders = [
  order({ key: 'grid_buy_1', price: '65000', quantity: '0.0015' }),
  order({ key: 'grid_sell_0', purpose: 'grid_sell', side: 'SELL', price: '65000.004', quantity: '0.0015' }),
  order({ key: 'protect', purpose: 'protect', type: 'LIMIT_MAKER', side: 'SELL', price: '72000', quantity: '0.0015', order_list_id: 'L1' }),
  order({ key: 'protect', purpose: 'protect', type: 'STOP_LOSS_LIMIT', side: 'SELL', price: '55900', stop_price: '56000', quantity: '0.0015', order_list_id: 'L1' }),
];

function serve({ orders = [firstOrders], trades = [[] as object[]] }: { orders?: object[][]; trades?: object[][] } = {}) {
  let orderCalls = 0;
  let tradeCalls = 0;
  return fakeServer({
    'GET /api/v1/bots/g1': { body: gridBot },
    'GET /api/v1/bots/g1/trades': () => ({ body: { items: trades[Math.min(tradeCalls++, trades.length - 1)], next_cursor: null } }),
    'GET /api/v1/bots/g1/orders': () => ({ body: { items: orders[Math.min(orderCalls++, orders.length - 1)], next_cursor: null } }),
    'GET /api/v1/bots/g1/chart': overlay,
    'GET /api/v1/market/candles': candles,
    'GET /api/v1/market/symbols': symbols,
    'GET /api/v1/strategies': { body: { items: [gridWithOrderType] } },
    'POST /api/v1/bots/g1/stop': (req) => ({ body: { ...gridBot, status: 'stopped', _sent: req.body } }),
  });
}

describe('bot page: resting orders', () => {
  beforeEach(() => Object.values(chart).forEach((f) => f.mockClear()));

  it('draws the open orders as labelled, coloured price lines over the grid levels, with a legend and the orders listed', async () => {
    signIn();
    serve();
    renderWithProviders(<BotRoute />, { path: '/bots/:botId', url: '/bots/g1' });
    expect(await screen.findByRole('img', { name: 'BTCUSDT candles with 0 trade markers, 3 grid levels and 4 open order lines' })).toBeInTheDocument();
    const drawn = () => chart.createPriceLine.mock.calls.map(([l]) => [l.title, l.price, (l as { color?: string }).color]);
    await vi.waitFor(() => expect(drawn()).toContainEqual(['Stop-loss (OCO)', 56000, '#f97316']));
    expect(drawn()).toEqual(
      expect.arrayContaining([
        ['Grid buy', 65000, '#2ebd85'],
        ['Grid sell', 65000.004, '#f6465d'],
        ['Take-profit (OCO)', 72000, '#22d3ee'],
        ['grid 1 · held', 60000, '#2ebd85'],
        ['grid 3', 70000, '#64748b'],
      ]),
    );
    // The level an order rests on is drawn once, as the order.
    expect(drawn().filter(([title]) => title === 'grid 2')).toEqual([]);
    // The price axis stretches over the resting stop and take-profit, not only the candles.
    const [, options] = chart.addSeries.mock.calls.find(([kind]) => kind === 'Candlestick')!;
    const autoscale = (options as { autoscaleInfoProvider: (base: () => object) => object }).autoscaleInfoProvider;
    expect(autoscale(() => ({ priceRange: { minValue: 64980, maxValue: 65010 } }))).toEqual({ priceRange: { minValue: 56000, maxValue: 72000 } });
    const legend = screen.getByRole('list', { name: 'Open orders on the chart' });
    expect(legend).toHaveTextContent('Grid buy × 1');
    expect(legend).toHaveTextContent('Stop-loss × 1');
    const table = await screen.findByRole('table', { name: 'Open orders of Grid' });
    expect(within(table).getAllByRole('row')).toHaveLength(5);
    expect(screen.getByRole('region', { name: 'Parameters' })).toHaveTextContent('Limit (rests on the exchange at the level)');
  });

  it('redraws the order lines when a new trade comes in with the live updates', async () => {
    signIn();
    const filled = [order({ key: 'grid_sell_1', purpose: 'grid_sell', side: 'SELL', price: '70000', quantity: '0.0015' })];
    const trade = { id: 't1', bot_id: 'g1', symbol: 'BTCUSDT', side: 'BUY', price: '65000', quantity: '0.0015', executed_at: '2026-03-01T10:01:10Z', mode: 'paper' };
    const server = serve({ orders: [firstOrders, filled], trades: [[], [trade]] });
    const { queryClient } = renderWithProviders(<BotRoute />, { path: '/bots/:botId', url: '/bots/g1' });
    await screen.findByRole('img', { name: /4 open order lines/ });
    expect(botOrdersQueryOptions('g1', 'open', true).refetchInterval).toBe(10_000);

    await queryClient.refetchQueries({ queryKey: ['bots', 'g1', 'trades'] });
    expect(await screen.findByRole('img', { name: 'BTCUSDT candles with 1 trade markers, 3 grid levels and 1 open order lines' })).toBeInTheDocument();
    expect(chart.createPriceLine).toHaveBeenCalledWith(expect.objectContaining({ title: 'Grid sell', price: 70000 }));
    expect(chart.removePriceLine).toHaveBeenCalledWith(expect.objectContaining({ title: 'Stop-loss (OCO)' }));
    expect(server.callsTo('GET', '/api/v1/bots/g1/orders').length).toBeGreaterThanOrEqual(2);
  });

  it('asks what becomes of the resting orders when the bot stops, and sends the choice', async () => {
    signIn();
    const server = serve();
    const { user } = renderWithProviders(<BotRoute />, { path: '/bots/:botId', url: '/bots/g1' });
    await screen.findByRole('table', { name: 'Open orders of Grid' });
    await user.click(screen.getByRole('button', { name: 'Stop' }));
    const dialog = screen.getByRole('dialog', { name: 'Stop “Grid”?' });
    expect(dialog).toHaveTextContent('The bot holds 0.0015 BTCUSDT position and has 4 open orders on the exchange.');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel orders, keep position' }));
    await vi.waitFor(() => expect(server.callsTo('POST', '/api/v1/bots/g1/stop')).toHaveLength(1));
    expect(server.callsTo('POST', '/api/v1/bots/g1/stop')[0]!.body).toEqual({ close_position: false, cancel_orders: true });
  });
});
