import { useState } from 'react';
import { Link } from 'react-router';
import { StatusBadge } from '@/components/ui/badge';
import { formatDateTime, formatPct, pnlClass } from '@/lib/format';
import { costsText, paramsText, periodText, riskText, runTitle } from '../lib/run-info';
import type { Backtest } from '../types';

/**
 * Recent runs with the inputs that tell them apart, each finished one selectable; `onCompare` gets two or
 * more selected ids. `linkTo` builds a run's page address (the route owns the paths).
 */
type ListProps = {
  items: Backtest[];
  linkTo: (id: string) => string;
  onCompare: (ids: string[]) => void;
  /** Human strategy names by id ("SMA crossover"). */
  strategyNames?: Record<string, string>;
};

export function BacktestList({ items, linkTo, onCompare, strategyNames = {} }: ListProps) {
  const [selected, setSelected] = useState<string[]>([]);
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  return (
    <>
      <ul className="list" aria-label="Recent backtests">
        {items.map((b) => (
          <li key={b.id} className="list-row">
            {b.status === 'done' ? (
              <input type="checkbox" aria-label={`Compare ${runTitle(b, strategyNames)} ${formatDateTime(b.created_at)}`} checked={selected.includes(b.id)} onChange={() => toggle(b.id)} />
            ) : null}
            <div className="list-main">
              <Link to={linkTo(b.id)}>{runTitle(b, strategyNames)}</Link>
              <div className="muted">{paramsText(b.params)}</div>
              <div className="muted">
                {periodText(b)} · {costsText(b)} · {riskText(b.risk)}
              </div>
              <div className="muted">{formatDateTime(b.created_at)}</div>
            </div>
            <span className={pnlClass(b.result?.metrics?.total_return_pct as number | string | undefined)}>
              {b.result?.metrics ? formatPct(b.result.metrics.total_return_pct as number | string | undefined) : <StatusBadge status={b.status} />}
            </span>
          </li>
        ))}
      </ul>
      <div className="form-actions">
        <button type="button" className="btn" disabled={selected.length < 2} onClick={() => onCompare(selected)}>
          Compare selected ({selected.length})
        </button>
      </div>
    </>
  );
}
