import { useEffect, useRef } from 'react';
import { AreaSeries, createChart, LineSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import type { LinePoint } from '@/lib/chart-data';
import { baseChartOptions, chartColors } from './theme';

/** A further curve on the same axes (a benchmark, another run), drawn as a line. */
export type EquityOverlay = { title: string; points: LinePoint[]; color: string };

export const OVERLAY_COLORS = ['#f0b90b', '#a78bfa', '#2ebd85', '#f6465d', '#8b95a5'] as const;

export function EquityChart({
  points,
  height = 260,
  label = 'Equity curve',
  title,
  overlays = [],
}: {
  points: LinePoint[];
  height?: number;
  label?: string;
  /** The main curve's name in the price-axis label (when overlays make it ambiguous). */
  title?: string;
  overlays?: EquityOverlay[];
}) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<ISeriesApi<'Area'> | null>(null);

  useEffect(() => {
    if (!container.current) return;
    chart.current = createChart(container.current, baseChartOptions);
    series.current = chart.current.addSeries(AreaSeries, {
      lineColor: chartColors.line,
      topColor: 'rgba(59,130,246,0.35)',
      bottomColor: 'rgba(59,130,246,0.02)',
      lineWidth: 2,
    });
    // autoSize measures the container after the first render: refit then, or the curve sits in a corner.
    const timeScale = chart.current.timeScale();
    const refit = () => timeScale.fitContent();
    timeScale.subscribeSizeChange(refit);
    return () => {
      timeScale.unsubscribeSizeChange(refit);
      chart.current?.remove();
      chart.current = series.current = null;
    };
  }, []);

  useEffect(() => {
    series.current?.applyOptions({ title: title ?? '' });
    series.current?.setData(points.map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
    chart.current?.timeScale().fitContent();
  }, [points, title]);

  useEffect(() => {
    const host = chart.current;
    if (!host) return;
    const added = overlays.map((o) => {
      const line = host.addSeries(LineSeries, { color: o.color, lineWidth: 2, title: o.title, priceLineVisible: false });
      line.setData(o.points.map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
      return line;
    });
    host.timeScale().fitContent();
    return () => {
      // The chart may be gone already (unmount removes it first).
      if (chart.current === host) for (const line of added) host.removeSeries(line);
    };
  }, [overlays]);

  return (
    // The chart holds the library's attribution link (focusable), so the labelled image is a sibling overlay
    // rather than the chart's own container: an img role must not contain interactive content.
    <div className="chart-frame" style={{ height }}>
      <div ref={container} className="chart" style={{ height }} />
      <div className="chart-label" role="img" aria-label={label} />
    </div>
  );
}
