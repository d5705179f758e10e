import { useMemo, useState } from 'react';
import { EquityChart } from '@/components/charts/equity-chart';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { formatSignedQuote, pnlClass, toNumber, type Precision } from '@/lib/format';
import { isPending, useBotDrift, type DriftReport, type DriftSummary } from '../api/get-bot-drift';
import { BUCKETS, defaultPeriod, driftPeriod, lastTick, PERIOD_LABELS, periodChoices, type PeriodKey } from '../lib/drift';
import type { Bot } from '../types';
import { DriftPairs, DriftUnmatchedTable } from './drift-tables';

const LIVE_COLOR = '#3b82f6';
const BACKTEST_COLOR = '#f0b90b';

/**
 * The chosen period and its report. The period ends at the last tick seen when it was chosen (or refreshed), so
 * the report of a running bot is not recomputed at every tick, and a pending one is polled at one fixed URL.
 */
export function useDriftReport(bot: Bot) {
  const [choice, setChoice] = useState<{ key: PeriodKey; to: number | null }>(() => ({ key: defaultPeriod(bot), to: lastTick(bot) }));
  const key = periodChoices(bot).includes(choice.key) ? choice.key : defaultPeriod(bot);
  const latest = lastTick(bot);
  // A signal bot trades on the signals it receives: there is no backtest to compare it with.
  const replayable = bot.strategy !== 'signal';
  const period = replayable ? driftPeriod(bot, key, choice.to) : null;
  if (replayable && period === null && choice.to !== latest && driftPeriod(bot, key, latest) !== null) {
    // The period had no tick yet when it was chosen (a bot just started): it ends at the first tick that comes.
    setChoice({ key, to: latest });
  }
  const query = useBotDrift(bot.id, period);
  return {
    key,
    period,
    query,
    report: query.data && !isPending(query.data) ? query.data : undefined,
    choose: (next: PeriodKey) => setChoice({ key: next, to: latest }),
    refresh: () => setChoice({ key, to: latest }),
  };
}

export type DriftState = ReturnType<typeof useDriftReport>;

/** Live versus backtest: both equity curves, the gap split into its causes, each trade pair and each unmatched fill. */
export function DriftPanel({ bot, drift, precision }: { bot: Bot; drift: DriftState; precision: Precision }) {
  const { query, report } = drift;
  return (
    <section className="card" aria-labelledby="drift-title">
      <div className="card-head">
        <h2 id="drift-title">Live vs backtest</h2>
        <div className="segmented" role="radiogroup" aria-label="Drift period">
          {periodChoices(bot).map((k) => (
            <label key={k} className={drift.key === k ? 'active' : ''}>
              <input type="radio" name="drift-period" checked={drift.key === k} onChange={() => drift.choose(k)} />
              {PERIOD_LABELS[k]}
            </label>
          ))}
        </div>
        <button type="button" className="btn btn-ghost" onClick={drift.refresh} disabled={drift.period === null || query.isFetching}>
          Refresh
        </button>
      </div>
      {drift.period === null ? (
        <EmptyState title="No tick in this period yet">The report compares the ticks the bot ran with a backtest over the same candles.</EmptyState>
      ) : query.isPending ? (
        <LoadingState label="Replaying the bot's configuration…" />
      ) : query.isError ? (
        <ErrorState error={query.error} title="Could not compute the drift report" onRetry={() => void query.refetch()} />
      ) : report === undefined ? (
        <LoadingState label="Long period: the report is being computed…" />
      ) : (
        <DriftReportView bot={bot} report={report} precision={precision} />
      )}
    </section>
  );
}

function DriftReportView({ bot, report, precision }: { bot: Bot; report: DriftReport; precision: Precision }) {
  const live = useMemo(() => report.equity.map((p) => ({ time: p.t / 1000, value: p.live })), [report.equity]);
  const overlays = useMemo(
    () => [{ title: 'Backtest', color: BACKTEST_COLOR, points: report.equity.map((p) => ({ time: p.t / 1000, value: p.backtest })) }],
    [report.equity],
  );
  const gap = (toNumber(report.summary.live_pnl) ?? 0) - (toNumber(report.summary.backtest_pnl) ?? 0);
  return (
    <>
      <dl className="params" aria-label="Drift summary">
        <div>
          <dt>Live PnL</dt>
          <dd className={pnlClass(report.summary.live_pnl)}>{formatSignedQuote(report.summary.live_pnl, precision)}</dd>
        </div>
        <div>
          <dt>Backtest PnL</dt>
          <dd className={pnlClass(report.summary.backtest_pnl)}>{formatSignedQuote(report.summary.backtest_pnl, precision)}</dd>
        </div>
        <div>
          <dt>Gap</dt>
          <dd className={pnlClass(gap)}>{formatSignedQuote(gap, precision)}</dd>
        </div>
        <div>
          <dt>Candles</dt>
          <dd className="muted">{report.source.replace(/^market:/, '')}</dd>
        </div>
      </dl>
      <div className="two-col drift-charts">
        <div>
          <h3>Equity</h3>
          {report.equity.length === 0 ? (
            <EmptyState title="No closed bar in this period" />
          ) : (
            <>
              <EquityChart points={live} overlays={overlays} title="Live" height={220} label={`Live and backtest equity of ${bot.name} over ${live.length} bar closes`} />
              <ul className="legend" aria-label="Equity legend">
                <li>
                  <span className="legend-swatch" style={{ background: LIVE_COLOR }} />
                  Live
                </li>
                <li>
                  <span className="legend-swatch" style={{ background: BACKTEST_COLOR }} />
                  Backtest
                </li>
              </ul>
            </>
          )}
        </div>
        <div>
          <h3>Where the gap comes from</h3>
          <AttributionBars summary={report.summary} precision={precision} />
        </div>
      </div>
      <DriftPairs pairs={report.pairs} precision={precision} />
      <DriftUnmatchedTable unmatched={report.unmatched} precision={precision} />
    </>
  );
}

/** The buckets as signed bars around a zero line (negative: the live bot made less than its backtest). */
export function AttributionBars({ summary, precision }: { summary: DriftSummary; precision: Precision }) {
  const values = BUCKETS.map((b) => ({ ...b, value: toNumber(summary[b.key]) ?? 0 }));
  const largest = Math.max(...values.map((v) => Math.abs(v.value)), 0);
  return (
    <ul className="drift-bars" aria-label="Gap by cause">
      {values.map((v) => {
        const width = largest > 0 ? (Math.abs(v.value) / largest) * 50 : 0;
        return (
          <li key={v.key}>
            <span>{v.label}</span>
            <span className="drift-bar-track" aria-hidden="true">
              <span className={`drift-bar ${v.value < 0 ? 'drift-bar-neg' : 'drift-bar-pos'}`} style={v.value < 0 ? { right: '50%', width: `${width}%` } : { left: '50%', width: `${width}%` }} />
            </span>
            <span className={`num ${pnlClass(v.value)}`}>{formatSignedQuote(summary[v.key], precision)}</span>
          </li>
        );
      })}
    </ul>
  );
}
