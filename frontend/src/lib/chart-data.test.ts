import { describe, expect, it } from 'vitest';
import { candlesToBars, equityToLine } from './chart-data';

describe('chart data', () => {
  it('turns decimal-string candles into ascending unique bars in seconds', () => {
    const c = (open_time: number, close: string) => ({ open_time, open: '1', high: '2', low: '0.5', close, volume: '10' });
    expect(candlesToBars([c(120_000, '1.5'), c(60_000, '1.2'), c(120_000, '1.7')])).toEqual([
      { time: 60, open: 1, high: 2, low: 0.5, close: 1.2 },
      { time: 120, open: 1, high: 2, low: 0.5, close: 1.7 },
    ]);
  });

  it('accepts equity times as ISO, ms or s and drops unreadable points', () => {
    expect(
      equityToLine([
        { t: '2026-01-01T00:01:00Z', equity: '10010.5' },
        { t: 1767225600000, equity: '10000' },
        { t: 1767225720, equity: 10020 },
        { t: 'garbage', equity: '1' },
      ]),
    ).toEqual([
      { time: 1767225600, value: 10000 },
      { time: 1767225660, value: 10010.5 },
      { time: 1767225720, value: 10020 },
    ]);
  });
});
