import { INTERVAL_MS, type Interval } from '@/config/constants';
import type { ChartMarker } from '@/lib/chart-data';
import { formatDecimal, toEpochMs } from '@/lib/format';
import type { Trade } from '@/types/api';

/**
 * One marker per trade, snapped to the open time of the candle it executed in (markers
 * must sit on a bar), oldest first. Buys are entries, sells are exits (long-only spot).
 */
export function tradeMarkers(trades: Trade[], interval: Interval): ChartMarker[] {
  const step = INTERVAL_MS[interval];
  return trades
    .flatMap((t): ChartMarker[] => {
      const ms = toEpochMs(t.executed_at);
      if (ms === null) return [];
      const side = t.side.toLowerCase() === 'buy' ? 'buy' : 'sell';
      const barOpen = Math.floor(ms / step) * step;
      return [{ time: barOpen / 1000, side, text: `${side === 'buy' ? 'Entry' : 'Exit'} ${formatDecimal(t.price)}` }];
    })
    .sort((a, b) => a.time - b.time);
}
