import { useMemo } from 'react';
import { EquityChart, OVERLAY_COLORS, type EquityOverlay } from '@/components/charts/equity-chart';
import { equityToLine } from '@/lib/chart-data';
import { formatPct, pnlClass, type Decimalish } from '@/lib/format';
import { costsText, paramsText, periodText, riskText, runTitle } from '../lib/run-info';
import type { Backtest } from '../types';
import { METRICS } from './backtest-result';

/** Runs side by side: what each ran with, their metrics (a column each) and their equity curves on one chart. */
export function BacktestCompare({ runs, strategyNames = {} }: { runs: Backtest[]; strategyNames?: Record<string, string> }) {
  // `runs` should keep its identity while nothing changed (the chart redraws its overlays when they change).
  const overlays = useMemo(
    (): EquityOverlay[] =>
      runs
        .slice(1)
        .map((b, i) => ({ title: `#${i + 2}`, points: equityToLine(b.result?.equity ?? []), color: OVERLAY_COLORS[i % OVERLAY_COLORS.length] })),
    [runs],
  );
  const main = useMemo(() => equityToLine(runs[0]?.result?.equity ?? []), [runs]);
  const [first, ...rest] = runs;
  if (!first) return null;
  const inputs: Array<[string, (b: Backtest) => string]> = [
    ['Run', (b) => runTitle(b, strategyNames)],
    ['Parameters', (b) => paramsText(b.params)],
    ['Period', periodText],
    ['Costs', costsText],
    ['Risk', (b) => riskText(b.risk)],
  ];
  return (
    <>
      <section className="card">
        <h2>Metrics</h2>
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Backtests compared</caption>
            <thead>
              <tr>
                <th scope="col">Metric</th>
                {runs.map((b, i) => (
                  <th key={b.id} scope="col" className="num">
                    #{i + 1}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {inputs.map(([label, text]) => (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  {runs.map((b) => (
                    <td key={b.id} className="num">
                      {text(b)}
                    </td>
                  ))}
                </tr>
              ))}
              {METRICS.map((m) => (
                <tr key={m.key}>
                  <th scope="row">{m.label}</th>
                  {runs.map((b) => (
                    <td key={b.id} className={`num ${m.signed ? pnlClass(b.result?.metrics?.[m.key] as Decimalish) : ''}`}>
                      {m.fmt(b.result?.metrics?.[m.key])}
                    </td>
                  ))}
                </tr>
              ))}
              <tr>
                <th scope="row">Buy and hold</th>
                {runs.map((b) => (
                  <td key={b.id} className={`num ${pnlClass(b.result?.benchmark?.return_pct)}`}>
                    {formatPct(b.result?.benchmark?.return_pct)}
                  </td>
                ))}
              </tr>
            </tbody>
          </table>
        </div>
      </section>
      <section className="card">
        <h2>Equity curves</h2>
        <p className="muted">
          #1 is the filled curve{rest.length ? `; ${rest.map((_, i) => `#${i + 2}`).join(', ')} the lines` : ''}.
        </p>
        <EquityChart points={main} title="#1" overlays={overlays} label={`Equity curves of ${runs.length} backtests`} />
      </section>
    </>
  );
}
