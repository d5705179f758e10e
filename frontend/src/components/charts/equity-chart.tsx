import { useEffect, useRef } from 'react';
import { AreaSeries, createChart, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import type { LinePoint } from '@/lib/chart-data';
import { baseChartOptions, chartColors } from './theme';

export function EquityChart({ points, height = 260, label = 'Equity curve' }: { points: LinePoint[]; height?: number; label?: string }) {
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
    series.current?.setData(points.map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
    chart.current?.timeScale().fitContent();
  }, [points]);

  return (
    // The chart holds the library's attribution link (focusable), so the labelled image is a sibling overlay
    // rather than the chart's own container: an img role must not contain interactive content.
    <div className="chart-frame" style={{ height }}>
      <div ref={container} className="chart" style={{ height }} />
      <div className="chart-label" role="img" aria-label={label} />
    </div>
  );
}
