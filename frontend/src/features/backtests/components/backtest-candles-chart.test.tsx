import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { BacktestCandles } from './backtest-candles';

const chart = vi.hoisted(() => ({ addSeries: vi.fn(), setData: vi.fn() }));
vi.mock('lightweight-charts', () => ({
  ColorType: { Solid: 'solid' },
  LineStyle: { Dashed: 2, Dotted: 1 },
  CandlestickSeries: 'Candlestick',
  LineSeries: 'Line',
  createChart: () => ({
    addSeries: (...args: unknown[]) => {
      chart.addSeries(...args);
      const name = (args[1] as { title?: string } | undefined)?.title ?? 'candles';
      return { setData: (data: unknown) => chart.setData(name, data), createPriceLine: vi.fn(), removePriceLine: vi.fn(), applyOptions: vi.fn() };
    },
    removeSeries: vi.fn(),
    timeScale: () => ({ setVisibleLogicalRange: vi.fn() }),
    remove: vi.fn(),
  }),
  createSeriesMarkers: () => ({ setMarkers: vi.fn() }),
}));

const t0 = Date.parse('2026-03-01T00:00:00Z');
const candles = [0, 1, 2].map((i) => ({ t: new Date(t0 + i * 3_600_000).toISOString(), open: 100, high: 110, low: 95, close: 105 + i }));
const plots = [
  { name: 'SMA 2', pane: 'price', points: [1, 2].map((i) => ({ time: t0 + i * 3_600_000, value: 105.5 + i - 1 })) },
  { name: 'SMA 3', pane: 'price', points: [{ time: t0 + 2 * 3_600_000, value: 106 }] },
];

describe('backtest candle chart', () => {
  it("draws the strategy's indicator lines over the candles and names them in the legend", () => {
    render(<BacktestCandles candles={candles} trades={[]} symbol="BTCUSDT" plots={plots} />);
    expect(chart.addSeries).toHaveBeenCalledWith('Line', expect.objectContaining({ title: 'SMA 2' }), 0);
    expect(chart.addSeries).toHaveBeenCalledWith('Line', expect.objectContaining({ title: 'SMA 3' }), 0);
    // Points at the candles' times (seconds, as the candles are), with their values.
    expect(chart.setData).toHaveBeenCalledWith('SMA 2', [
      { time: t0 / 1000 + 3600, value: 105.5 },
      { time: t0 / 1000 + 7200, value: 106.5 },
    ]);
    expect(chart.setData).toHaveBeenCalledWith('SMA 3', [{ time: t0 / 1000 + 7200, value: 106 }]);
    const legend = screen.getByRole('list', { name: 'Chart legend' });
    expect(legend).toHaveTextContent('SMA 2');
    expect(legend).toHaveTextContent('SMA 3');
  });

  it('draws no line and no legend for a result without indicator series', () => {
    chart.addSeries.mockClear();
    render(<BacktestCandles candles={candles} trades={[]} symbol="BTCUSDT" />);
    expect(chart.addSeries).toHaveBeenCalledTimes(1); // the candles only
    expect(screen.queryByRole('list', { name: 'Chart legend' })).toBeNull();
  });
});
