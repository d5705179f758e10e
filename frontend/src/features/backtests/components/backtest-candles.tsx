import { useMemo } from 'react';
import { CandleChart } from '@/components/charts/candle-chart';
import { ChartLegend, indicatorLines, type IndicatorPlot } from '@/components/charts/chart-legend';
import { EmptyState } from '@/components/ui/states';
import type { Bar, ChartMarker } from '@/lib/chart-data';
import { DEFAULT_PRECISION, formatPrice, toEpochMs, toNumber, type Precision } from '@/lib/format';
import type { BacktestTrade, ChartCandle } from '../types';

export function candlesToChart(candles: ChartCandle[]): Bar[] {
  return candles.flatMap((c) => {
    const ms = toEpochMs(c.t);
    return ms === null ? [] : [{ time: Math.floor(ms / 1000), open: c.open, high: c.high, low: c.low, close: c.close }];
  });
}

/** The candle (bar start, seconds) a time falls in: the last one starting at or before it. */
function snap(bars: Bar[], seconds: number): number | null {
  let lo = 0;
  let hi = bars.length - 1;
  if (hi < 0 || seconds < bars[0].time) return null;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (bars[mid].time <= seconds) lo = mid;
    else hi = mid - 1;
  }
  return bars[lo].time;
}

/** An entry marker per trade and an exit marker per closed one, on the candles they filled in, oldest first. */
export function backtestMarkers(trades: BacktestTrade[], bars: Bar[], p: Precision = DEFAULT_PRECISION): ChartMarker[] {
  const out: ChartMarker[] = [];
  const add = (time: string | number | null | undefined, side: 'buy' | 'sell', price: string | number | null | undefined) => {
    const ms = toEpochMs(time ?? null);
    const at = ms === null ? null : snap(bars, Math.floor(ms / 1000));
    if (at !== null) out.push({ time: at, side, text: `${side === 'buy' ? 'Entry' : 'Exit'} ${formatPrice(toNumber(price ?? null), p)}` });
  };
  for (const t of trades) {
    add(t.entry_time, 'buy', t.entry_price);
    if (t.exit_time != null) add(t.exit_time, 'sell', t.exit_price);
  }
  return out.sort((a, b) => a.time - b.time);
}

type Props = { candles: ChartCandle[]; trades: BacktestTrade[]; symbol: string; plots?: IndicatorPlot[]; precision?: Precision };

export function BacktestCandles({ candles, trades, symbol, plots, precision = DEFAULT_PRECISION }: Props) {
  const bars = useMemo(() => candlesToChart(candles), [candles]);
  const markers = useMemo(() => backtestMarkers(trades, bars, precision), [trades, bars, precision]);
  const lines = useMemo(() => indicatorLines(plots), [plots]);
  return (
    <section className="card">
      <h2>Candles and trades</h2>
      {bars.length ? (
        <>
          <CandleChart
            bars={bars}
            markers={markers}
            lines={lines}
            pricePrecision={precision.price}
            label={`${symbol} candles of the backtest with ${markers.length} trade markers`}
          />
          <ChartLegend lines={lines} />
        </>
      ) : (
        <EmptyState title="No candles stored with this result" />
      )}
    </section>
  );
}
