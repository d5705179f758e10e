import { useMemo } from 'react';
import { EquityChart, OVERLAY_COLORS, type EquityOverlay } from '@/components/charts/equity-chart';
import { EmptyState } from '@/components/ui/states';
import { equityToLine } from '@/lib/chart-data';
import {
  DEFAULT_PRECISION,
  formatDateTime,
  formatDecimal,
  formatMoney,
  formatPct,
  formatPrice,
  formatQty,
  formatQuote,
  formatSigned,
  pnlClass,
  toNumber,
  type Decimalish,
  type Precision,
} from '@/lib/format';
import { BacktestCandles } from './backtest-candles';
import { BacktestSignals } from './backtest-signals';
import type { Backtest, BacktestMetrics, Benchmark, OpenPosition } from '../types';

function benchmarkOverlay(benchmark: Benchmark | null | undefined): EquityOverlay[] | undefined {
  return benchmark ? [{ title: 'buy & hold', points: equityToLine(benchmark.equity ?? []), color: OVERLAY_COLORS[0] }] : undefined;
}

type Metric = { key: keyof BacktestMetrics; label: string; fmt: (v: BacktestMetrics[keyof BacktestMetrics]) => string; signed?: boolean; hint?: string };

const dec2 = (v: BacktestMetrics[keyof BacktestMetrics]) => formatDecimal(v as Decimalish, 2);
const money = (v: BacktestMetrics[keyof BacktestMetrics]) => formatMoney(v as Decimalish);
const pct = (v: BacktestMetrics[keyof BacktestMetrics]) => formatPct(v as Decimalish);
const signed = (v: BacktestMetrics[keyof BacktestMetrics]) => formatSigned(v as Decimalish);

export const METRICS: Metric[] = [
  { key: 'final_equity', label: 'Final equity', fmt: money },
  { key: 'total_return_pct', label: 'Total return', fmt: pct, signed: true },
  { key: 'cagr_pct', label: 'CAGR', fmt: pct, signed: true, hint: 'annualised' },
  { key: 'max_drawdown_pct', label: 'Max drawdown', fmt: pct },
  { key: 'sharpe', label: 'Sharpe', fmt: dec2, hint: 'annualised' },
  { key: 'sortino', label: 'Sortino', fmt: dec2, hint: 'annualised' },
  { key: 'win_rate_pct', label: 'Win rate', fmt: pct },
  { key: 'avg_win', label: 'Average win', fmt: signed, signed: true },
  { key: 'avg_loss', label: 'Average loss', fmt: signed, signed: true },
  { key: 'expectancy', label: 'Expectancy per trade', fmt: signed, signed: true },
  { key: 'profit_factor', label: 'Profit factor', fmt: dec2 },
  { key: 'exposure_pct', label: 'Exposure', fmt: pct },
  { key: 'fees_paid', label: 'Fees paid', fmt: money },
  { key: 'num_trades', label: 'Trades', fmt: (v) => (v == null ? '—' : String(v)) },
];

/** Why an annualised figure is blank: the run was shorter than the threshold the API states. */
export function annualisedNote(m: BacktestMetrics | undefined): string | null {
  if (!m || m.annualised !== false) return null;
  const days = toNumber(m.period_days as Decimalish);
  return `CAGR, Sharpe and Sortino are not shown for runs shorter than ${m.min_annualised_days ?? 30} days${
    days === null ? '' : ` (this one covers ${formatDecimal(days, 1)} days)`
  }: a few days' return compounded over a year means nothing. The period return is ${formatPct(m.period_return_pct as Decimalish)}.`;
}

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

/** Money at the quote's precision with its sign, without the asset (a table column says it). */
function signedQuote(value: Decimalish, p: Precision): string {
  const n = toNumber(value);
  return n === null ? '—' : `${n > 0 ? '+' : ''}${formatQuote(n, p, false)}`;
}

type MetricsProps = { metrics: BacktestMetrics | undefined; openPosition: OpenPosition | null | undefined; precision: Precision };

function MetricsCard({ metrics, openPosition, precision: p }: MetricsProps) {
  const note = annualisedNote(metrics);
  return (
    <section className="card">
      <h2>Metrics</h2>
      <dl className="stats">
        {METRICS.map((m) => (
          <div key={m.key}>
            <dt>{m.label}</dt>
            <dd className={m.signed ? pnlClass(metrics?.[m.key] as Decimalish) : ''}>{m.fmt(metrics?.[m.key])}</dd>
          </div>
        ))}
      </dl>
      {note ? <p className="muted">{note}</p> : null}
      {metrics?.annualisation ? <p className="muted">Sharpe and Sortino use daily returns, annualised by {metrics.annualisation}.</p> : null}
      {openPosition ? (
        <p className="muted" data-testid="open-position">
          Still open at the end: {formatQty(openPosition.qty, p)} bought at {formatPrice(openPosition.entry_price, p)}, marked at{' '}
          {formatPrice(openPosition.mark_price, p)} — unrealised{' '}
          <span className={pnlClass(openPosition.unrealised_pnl)}>{signedQuote(openPosition.unrealised_pnl, p)}</span>. It is counted in the
          equity at the end, the total return and the drawdown; the win rate counts closed trades only.
        </p>
      ) : null}
    </section>
  );
}

function BenchmarkLine({ benchmark, strategyReturn }: { benchmark: Benchmark; strategyReturn: Decimalish }) {
  return (
    <p data-testid="benchmark">
      Buy and hold over the same period: <span className={pnlClass(benchmark.return_pct)}>{formatPct(benchmark.return_pct)}</span> (max drawdown{' '}
      {formatPct(benchmark.max_drawdown_pct)}) against the strategy&apos;s <span className={pnlClass(strategyReturn)}>{formatPct(strategyReturn)}</span>.
    </p>
  );
}

/** `precision` is the symbol's (prices to its tick, quantities to its lot step, money to its quote). */
export function BacktestResultView({ backtest, precision = DEFAULT_PRECISION }: { backtest: Backtest; precision?: Precision }) {
  const result = backtest.result;
  // A stable array while the benchmark is the same: the chart redraws its overlays when it changes.
  const overlays = useMemo(() => benchmarkOverlay(result?.benchmark), [result?.benchmark]);
  if (!result) return <EmptyState title="No result">The backtest finished without a result.</EmptyState>;
  const equity = equityToLine(result.equity ?? []);
  return (
    <>
      <MetricsCard metrics={result.metrics} openPosition={result.open_position} precision={precision} />
      <section className="card">
        <h2>Equity curve</h2>
        {result.benchmark ? <BenchmarkLine benchmark={result.benchmark} strategyReturn={result.metrics?.total_return_pct as Decimalish} /> : null}
        {equity.length ? (
          <EquityChart points={equity} label="Backtest equity curve" title="strategy" overlays={overlays} />
        ) : (
          <EmptyState title="No equity points" />
        )}
      </section>
      {result.candles ? (
        <BacktestCandles candles={result.candles} trades={result.trades ?? []} symbol={backtest.symbol ?? ''} plots={result.plots} precision={precision} />
      ) : null}
      {result.signals?.length ? <BacktestSignals signals={result.signals} /> : null}
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
                    <td className="num">{formatPrice(t.entry_price, precision)}</td>
                    <td>{t.exit_time == null ? 'open' : formatDateTime(t.exit_time)}</td>
                    <td className="num">{formatPrice(t.exit_price, precision)}</td>
                    <td className="num">{formatQty(t.quantity, precision)}</td>
                    <td className="num">{formatQuote(t.fee ?? t.fees, precision, false)}</td>
                    <td className={`num ${pnlClass(t.pnl)}`}>{signedQuote(t.pnl, precision)}</td>
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
