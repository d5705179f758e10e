import { useEffect, useRef } from 'react';
import {
  CandlestickSeries,
  createChart,
  createSeriesMarkers,
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

type Props = { bars: Bar[]; markers?: ChartMarker[]; entryPrice?: number | null; height?: number; label: string };

/** Candles with a marker on every entry (buy) and exit (sell). */
export function CandleChart({ bars, markers = [], entryPrice, height = 360, label }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<ISeriesApi<'Candlestick'> | null>(null);
  const markerApi = useRef<ISeriesMarkersPluginApi<Time> | null>(null);
  const fitted = useRef(false);

  useEffect(() => {
    if (!container.current) return;
    chart.current = createChart(container.current, baseChartOptions);
    series.current = chart.current.addSeries(CandlestickSeries, {
      upColor: chartColors.up,
      downColor: chartColors.down,
      borderVisible: false,
      wickUpColor: chartColors.up,
      wickDownColor: chartColors.down,
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
    // Only the latest trade is labelled: labels on every marker pile up into an unreadable smear once trades
    // are a few bars apart (the trades table below has the prices).
    const lwMarkers: SeriesMarker<Time>[] = markers.map((m, i) => ({
      time: m.time as UTCTimestamp,
      position: m.side === 'buy' ? 'belowBar' : 'aboveBar',
      shape: m.side === 'buy' ? 'arrowUp' : 'arrowDown',
      color: m.side === 'buy' ? chartColors.up : chartColors.down,
      text: i === markers.length - 1 ? m.text : undefined,
    }));
    markerApi.current?.setMarkers(lwMarkers);
  }, [markers]);

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
