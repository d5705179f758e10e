import { EquityChart } from '@/components/charts/equity-chart';
import { EmptyState } from '@/components/ui/states';
import { equityToLine } from '@/lib/chart-data';
import { formatDateTime, formatDecimal, formatMoney, formatPct, formatSigned, pnlClass, toNumber } from '@/lib/format';
import type { Backtest, BacktestMetrics } from '../types';

const METRICS: Array<{ key: keyof BacktestMetrics; label: string; fmt: (v: BacktestMetrics[keyof BacktestMetrics]) => string; signed?: boolean }> = [
  { key: 'final_equity', label: 'Final equity', fmt: formatMoney },
  { key: 'total_return_pct', label: 'Total return', fmt: formatPct, signed: true },
  { key: 'cagr_pct', label: 'CAGR', fmt: formatPct, signed: true },
  { key: 'max_drawdown_pct', label: 'Max drawdown', fmt: formatPct },
  { key: 'sharpe', label: 'Sharpe', fmt: (v) => formatDecimal(v, 2) },
  { key: 'sortino', label: 'Sortino', fmt: (v) => formatDecimal(v, 2) },
  { key: 'win_rate_pct', label: 'Win rate', fmt: formatPct },
  { key: 'profit_factor', label: 'Profit factor', fmt: (v) => formatDecimal(v, 2) },
  { key: 'exposure_pct', label: 'Exposure', fmt: formatPct },
  { key: 'fees_paid', label: 'Fees paid', fmt: formatMoney },
  { key: 'num_trades', label: 'Trades', fmt: (v) => (v == null ? '—' : String(v)) },
];

/** Progress as 0..100 whatever scale the server uses. */
export function progressPercent(progress: number | null | undefined): number | null {
  if (progress == null || !Number.isFinite(progress)) return null;
  return Math.round(Math.min(100, Math.max(0, progress <= 1 ? progress * 100 : progress)));
}

export function BacktestProgress({ backtest }: { backtest: Backtest }) {
  const pct = progressPercent(backtest.progress);
  return (
    <section className="card" aria-live="polite">
      <p>
        Backtest {backtest.status === 'queued' ? 'queued' : 'running'}
        {pct !== null ? ` — ${pct}%` : '…'}
      </p>
      <div className="progress" role="progressbar" aria-label="Backtest progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct ?? undefined}>
        <div className={`progress-bar${pct === null ? ' indeterminate' : ''}`} style={pct !== null ? { width: `${pct}%` } : undefined} />
      </div>
    </section>
  );
}

export function BacktestResultView({ backtest }: { backtest: Backtest }) {
  const result = backtest.result;
  if (!result) return <EmptyState title="No result">The backtest finished without a result.</EmptyState>;
  const equity = equityToLine(result.equity ?? []);
  return (
    <>
      <section className="card">
        <h2>Metrics</h2>
        <dl className="stats">
          {METRICS.map((m) => (
            <div key={m.key}>
              <dt>{m.label}</dt>
              <dd className={m.signed ? pnlClass(result.metrics?.[m.key]) : ''}>{m.fmt(result.metrics?.[m.key])}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section className="card">
        <h2>Equity curve</h2>
        {equity.length ? <EquityChart points={equity} label="Backtest equity curve" /> : <EmptyState title="No equity points" />}
      </section>
      <section className="card">
        <h2>Trades</h2>
        {result.trades?.length ? (
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Backtest trades</caption>
              <thead>
                <tr>
                  <th scope="col">Entry</th>
                  <th scope="col" className="num">Entry price</th>
                  <th scope="col">Exit</th>
                  <th scope="col" className="num">Exit price</th>
                  <th scope="col" className="num">Quantity</th>
                  <th scope="col" className="num">Fee</th>
                  <th scope="col" className="num">PnL</th>
                  <th scope="col" className="num">Return</th>
                  <th scope="col">Exit reason</th>
                </tr>
              </thead>
              <tbody>
                {result.trades.map((t, i) => (
                  <tr key={i}>
                    <td>{formatDateTime(t.entry_time)}</td>
                    <td className="num">{formatDecimal(t.entry_price)}</td>
                    <td>{t.exit_time == null ? 'open' : formatDateTime(t.exit_time)}</td>
                    <td className="num">{formatDecimal(t.exit_price)}</td>
                    <td className="num">{formatDecimal(t.quantity)}</td>
                    <td className="num">{formatDecimal(t.fee ?? t.fees)}</td>
                    <td className={`num ${pnlClass(t.pnl)}`}>{formatSigned(t.pnl)}</td>
                    <td className={`num ${pnlClass(t.return_pct)}`}>{toNumber(t.return_pct) === null ? '—' : formatPct(t.return_pct)}</td>
                    <td>{t.exit_reason ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <EmptyState title="No trades">The strategy did not trade over this data.</EmptyState>
        )}
      </section>
    </>
  );
}
