import type { ChartLine } from './candle-chart';

const PALETTE = ['#f5a524', '#a78bfa', '#22d3ee', '#f472b6', '#84cc16'];

/** A strategy's declared indicator series (`plots` of GET /bots/{id}/chart and of a backtest result). */
export type IndicatorPlot = { name: string; pane: string; points: { time: number; value: number }[] };

/** The declared series as chart lines, one colour each (the legend uses the same colours). */
export function indicatorLines(plots: IndicatorPlot[] | undefined): ChartLine[] {
  return (plots ?? []).map((p, i) => ({ ...p, color: PALETTE[i % PALETTE.length]! }));
}

/** Names the chart's indicator lines in their colours (an oscillator is drawn in the pane below the candles). */
export function ChartLegend({ lines, levels = 0 }: { lines: ChartLine[]; levels?: number }) {
  if (lines.length === 0 && levels === 0) return null;
  return (
    <ul className="legend" aria-label="Chart legend">
      {lines.map((l) => (
        <li key={l.name}>
          <span className="legend-swatch" style={{ background: l.color }} />
          {l.name}
          {l.pane === 'oscillator' ? ' (lower pane)' : ''}
        </li>
      ))}
      {levels > 0 ? <li>{levels} grid levels</li> : null}
    </ul>
  );
}
