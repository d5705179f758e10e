import { formatMoney } from '@/lib/format';
import { costsText, paramsText, periodText, riskText } from '../lib/run-info';
import type { Backtest } from '../types';

/** What a run was given: strategy and parameters, market, period, costs, cash and risk rules. */
export function BacktestRunInfo({ backtest, strategyName }: { backtest: Backtest; strategyName?: string }) {
  const rows: Array<[string, string]> = [
    ['Strategy', strategyName ?? backtest.strategy ?? '—'],
    ['Parameters', paramsText(backtest.params)],
    ['Symbol', backtest.symbol ?? '—'],
    ['Interval', backtest.interval ?? '—'],
    ['Period', periodText(backtest)],
    ['Bars', backtest.bars === undefined ? '—' : String(backtest.bars)],
    ['Costs', costsText(backtest)],
    ['Starting cash', formatMoney(backtest.cash)],
    ['Risk', riskText(backtest.risk)],
  ];
  return (
    <section className="card" aria-labelledby="run-info-title">
      <h2 id="run-info-title">Ran with</h2>
      <dl className="stats">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
