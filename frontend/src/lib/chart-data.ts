import { toEpochMs, toNumber } from './format';
import type { Candle, EquityPoint } from '@/types/api';

export type Bar = { time: number; open: number; high: number; low: number; close: number };
export type LinePoint = { time: number; value: number };
/** A trade (the default), or a fill only one side of a live-versus-backtest comparison made ("drift"). */
export type ChartMarker = { time: number; side: 'buy' | 'sell'; text: string; kind?: 'trade' | 'drift' };

/** Charts want ascending, unique UNIX-second times; the API gives ms, s or ISO. */
function ascendingUnique<T extends { time: number }>(points: T[]): T[] {
  const byTime = new Map<number, T>();
  for (const p of points) byTime.set(p.time, p);
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}

export function candlesToBars(candles: Candle[]): Bar[] {
  const bars: Bar[] = [];
  for (const c of candles) {
    // The contract gives open_time in milliseconds; never guess its unit from its size.
    const ms = typeof c.open_time === 'number' ? c.open_time : toEpochMs(c.open_time);
    const [open, high, low, close] = [c.open, c.high, c.low, c.close].map(toNumber);
    if (ms === null || open === null || high === null || low === null || close === null) continue;
    bars.push({ time: Math.floor(ms / 1000), open, high, low, close });
  }
  return ascendingUnique(bars);
}

export function equityToLine(points: EquityPoint[]): LinePoint[] {
  const line: LinePoint[] = [];
  for (const p of points) {
    const ms = toEpochMs(p.t);
    const value = toNumber(p.equity);
    if (ms === null || value === null) continue;
    line.push({ time: Math.floor(ms / 1000), value });
  }
  return ascendingUnique(line);
}
