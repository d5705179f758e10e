import { useEffect, useRef } from 'react';
import {
  type AutoscaleInfo,
  CandlestickSeries,
  createChart,
  createSeriesMarkers,
  LineSeries,
  LineStyle,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { Bar, ChartMarker } from '@/lib/chart-data';
import { baseChartOptions, chartColors } from './theme';

const RIGHT_PAD_BARS = 6;

/** An indicator series the strategy declares: over the candles ("price") or in a pane below ("oscillator"). */
export type ChartLine = { name: string; pane: string; color: string; points: { time: number; value: number }[] };
/**
 * A horizontal level across the chart (a grid level, a DCA safety order's trigger, a resting order). `inView`:
 * the price axis stretches to show it even when the candles stay far from it (a stop-loss 5% below).
 */
export type ChartLevel = { price: number; title: string; color: string; dashed?: boolean; inView?: boolean };

type Props = {
  bars: Bar[];
  markers?: ChartMarker[];
  entryPrice?: number | null;
  lines?: ChartLine[];
  levels?: ChartLevel[];
  /** Decimals of the symbol's tick: the price axis and labels print prices as the exchange does. */
  pricePrecision?: number | null;
  height?: number;
  label: string;
};

/** Candles with a marker on every entry (buy) and exit (sell), the strategy's indicator lines and levels. */
export function CandleChart({ bars, markers = [], entryPrice, lines = [], levels = [], pricePrecision, height = 360, label }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<ISeriesApi<'Candlestick'> | null>(null);
  const markerApi = useRef<ISeriesMarkersPluginApi<Time> | null>(null);
  const fitted = useRef(false);
  const keptInView = useRef<number[]>([]);

  useEffect(() => {
    if (!container.current) return;
    chart.current = createChart(container.current, baseChartOptions);
    series.current = chart.current.addSeries(CandlestickSeries, {
      upColor: chartColors.up,
      downColor: chartColors.down,
      borderVisible: false,
      wickUpColor: chartColors.up,
      wickDownColor: chartColors.down,
      autoscaleInfoProvider: (candles: () => AutoscaleInfo | null) => withinView(candles(), keptInView.current),
    });
    markerApi.current = createSeriesMarkers(series.current, []);
    return () => {
      chart.current?.remove();
      chart.current = series.current = markerApi.current = null;
      fitted.current = false;
    };
  }, []);

  useEffect(() => {
    series.current?.setData(bars.map((b) => ({ ...b, time: b.time as UTCTimestamp })));
    if (bars.length && !fitted.current) {
      // Every bar in view, plus a few empty slots on the right so the latest marker's label is not clipped.
      chart.current?.timeScale().setVisibleLogicalRange({ from: 0, to: bars.length - 1 + RIGHT_PAD_BARS });
      fitted.current = true;
    }
  }, [bars]);

  useEffect(() => {
    // Only the latest marker of each kind is labelled: labels on every marker pile up into an unreadable smear
    // once trades are a few bars apart (the tables below have the details).
    const lastOfKind = new Map(markers.map((m, i) => [m.kind ?? 'trade', i]));
    const lwMarkers: SeriesMarker<Time>[] = markers.map((m, i) => ({
      time: m.time as UTCTimestamp,
      position: m.side === 'buy' ? 'belowBar' : 'aboveBar',
      shape: m.kind === 'drift' ? 'circle' : m.side === 'buy' ? 'arrowUp' : 'arrowDown',
      color: m.kind === 'drift' ? chartColors.drift : m.side === 'buy' ? chartColors.up : chartColors.down,
      text: lastOfKind.get(m.kind ?? 'trade') === i ? m.text : undefined,
    }));
    markerApi.current?.setMarkers(lwMarkers);
  }, [markers]);

  useEffect(() => {
    if (pricePrecision == null) return;
    series.current?.applyOptions({ priceFormat: { type: 'price', precision: pricePrecision, minMove: 10 ** -pricePrecision } });
  }, [pricePrecision]);

  useEffect(() => {
    const c = chart.current;
    if (!c || lines.length === 0) return;
    const added = lines.map((line) => {
      const s = c.addSeries(
        LineSeries,
        { color: line.color, lineWidth: 1, priceLineVisible: false, lastValueVisible: false, title: line.name },
        line.pane === 'oscillator' ? 1 : 0,
      );
      s.setData(line.points.map((p) => ({ time: Math.floor(p.time / 1000) as UTCTimestamp, value: p.value })));
      return s;
    });
    // chart.current is null once the chart itself is gone (unmount), and its series with it.
    return () => added.forEach((s) => chart.current?.removeSeries(s));
  }, [lines]);

  useEffect(() => {
    const s = series.current;
    keptInView.current = levels.filter((l) => l.inView).map((l) => l.price);
    if (!s || levels.length === 0) return;
    const made = levels.map((l) =>
      s.createPriceLine({
        price: l.price,
        color: l.color,
        lineStyle: l.dashed ? LineStyle.Dashed : LineStyle.Dotted,
        lineWidth: 1,
        axisLabelVisible: true,
        title: l.title,
      }),
    );
    return () => made.forEach((line) => series.current?.removePriceLine(line));
  }, [levels]);

  useEffect(() => {
    if (!series.current || entryPrice == null) return;
    const line = series.current.createPriceLine({
      price: entryPrice,
      color: chartColors.line,
      lineStyle: LineStyle.Dashed,
      lineWidth: 1,
      axisLabelVisible: true,
      title: 'entry',
    });
    return () => series.current?.removePriceLine(line);
  }, [entryPrice]);

  return (
    // The chart holds the library's attribution link (focusable), so the labelled image is a sibling overlay
    // rather than the chart's own container: an img role must not contain interactive content.
    <div className="chart-frame" style={{ height }}>
      <div ref={container} className="chart" style={{ height }} />
      <div className="chart-label" role="img" aria-label={label} />
    </div>
  );
}

/** The candles' price range stretched over the prices that must stay in view. */
function withinView(info: AutoscaleInfo | null, prices: number[]): AutoscaleInfo | null {
  if (!info?.priceRange || prices.length === 0) return info;
  const { minValue, maxValue } = info.priceRange;
  return { ...info, priceRange: { minValue: Math.min(minValue, ...prices), maxValue: Math.max(maxValue, ...prices) } };
}
