import type { LinePoint } from '@/lib/chart-data';
import type { TrialEquityPoint } from '../types';

/** A curve for the chart: Unix-second times (the API gives ms), ascending and unique, finite values only. */
export function equityLine(points: TrialEquityPoint[]): LinePoint[] {
  const byTime = new Map<number, number>();
  for (const p of points) {
    if (!Number.isFinite(p.time) || !Number.isFinite(p.equity)) continue;
    byTime.set(Math.floor(p.time / 1000), p.equity);
  }
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time, value }));
}
