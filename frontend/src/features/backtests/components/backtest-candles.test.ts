import { describe, expect, it } from 'vitest';
import { backtestMarkers, candlesToChart } from './backtest-candles';

const candles = [
  { t: '2026-03-01T00:00:00.000Z', open: 100, high: 110, low: 95, close: 105 },
  { t: '2026-03-01T04:00:00.000Z', open: 105, high: 120, low: 100, close: 118 },
  { t: '2026-03-01T08:00:00.000Z', open: 118, high: 119, low: 90, close: 92 },
];
const s = (iso: string) => Date.parse(iso) / 1000;

describe('backtest candles', () => {
  it('puts each entry and exit on the merged candle it filled in', () => {
    const bars = candlesToChart(candles);
    expect(bars.map((b) => b.time)).toEqual([s('2026-03-01T00:00:00Z'), s('2026-03-01T04:00:00Z'), s('2026-03-01T08:00:00Z')]);
    const markers = backtestMarkers(
      [
        { entry_time: '2026-03-01T01:00:00.000Z', exit_time: '2026-03-01T05:00:00.000Z', entry_price: 101, exit_price: 117.5 },
        { entry_time: '2026-03-01T09:00:00.000Z', exit_time: null, entry_price: 93, exit_price: 92 },
      ],
      bars,
    );
    expect(markers).toEqual([
      { time: s('2026-03-01T00:00:00Z'), side: 'buy', text: 'Entry 101' },
      { time: s('2026-03-01T04:00:00Z'), side: 'sell', text: 'Exit 117.5' },
      { time: s('2026-03-01T08:00:00Z'), side: 'buy', text: 'Entry 93' },
    ]);
  });

  it('drops a trade before the first candle', () => {
    expect(backtestMarkers([{ entry_time: '2026-02-28T00:00:00Z', exit_time: null }], candlesToChart(candles))).toEqual([]);
  });
});
