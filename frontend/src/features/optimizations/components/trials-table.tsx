import { useState } from 'react';
import { formatNumber, metric, METRIC_COLUMNS, searchedParams, sortTrials, type SortDir, type SortKey } from '../lib/trials';
import type { Trial } from '../types';

const PAGE = 50;
const STATE_TEXT: Record<string, string> = { complete: 'Scored', no_score: 'No score', infeasible: 'Infeasible' };

type Column = { key: SortKey; label: string };

/**
 * Every trial with its parameters and in-sample metrics; a column header sorts (again: the other way), a
 * trial without a score stays at the bottom. On a phone each row is a card. `onChoose` picks a trial.
 */
export function TrialsTable({ trials, chosen, onChoose }: { trials: Trial[]; chosen: number | null; onChoose: (id: number) => void }) {
  const [sort, setSort] = useState<{ key: SortKey; dir: SortDir }>({ key: 'score', dir: 'desc' });
  const [shown, setShown] = useState(PAGE);
  const params = searchedParams(trials);
  const columns: Column[] = [
    { key: 'id', label: 'Trial' },
    ...params.map((p): Column => ({ key: `param:${p}`, label: p })),
    { key: 'score', label: 'Score' },
    ...METRIC_COLUMNS.map((m): Column => ({ key: `metric:${m.key}`, label: m.label })),
  ];
  const rows = sortTrials(trials, sort.key, sort.dir);
  const sortBy = (key: SortKey) => setSort((s) => ({ key, dir: s.key === key && s.dir === 'desc' ? 'asc' : 'desc' }));
  return (
    <div className="table-wrap">
      <table className="table table-cards">
        <caption className="sr-only">Trials, sorted by {columns.find((c) => c.key === sort.key)?.label} {sort.dir === 'asc' ? 'ascending' : 'descending'}</caption>
        <thead>
          <tr>
            <th scope="col">
              <span className="sr-only">Choose</span>
            </th>
            {columns.map((c) => (
              <th key={c.key} scope="col" aria-sort={sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
                <button type="button" className="th-sort" onClick={() => sortBy(c.key)}>
                  {c.label}
                  <span aria-hidden="true">{sort.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, shown).map((t) => (
            <tr key={t.id} className={t.id === chosen ? 'row-chosen' : undefined}>
              <td data-label="Choose">
                <input type="radio" name="chosen-trial" aria-label={`Choose trial ${t.id}`} checked={t.id === chosen} onChange={() => onChoose(t.id)} />
              </td>
              <td data-label="Trial">{t.id}</td>
              {params.map((p) => (
                <td key={p} data-label={p}>
                  {String(t.point[p])}
                </td>
              ))}
              <td data-label="Score">{t.score !== null ? formatNumber(t.score, 3) : STATE_TEXT[t.state] ?? t.state}</td>
              {METRIC_COLUMNS.map((m) => {
                const v = metric(t.in_sample, m.key);
                return (
                  <td key={m.key} data-label={m.label}>
                    {v === null ? '—' : m.pct ? `${formatNumber(v)}%` : formatNumber(v)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > shown ? (
        <div className="form-actions">
          <button type="button" className="btn" onClick={() => setShown((n) => n + PAGE)}>
            Show more ({rows.length - shown} left)
          </button>
        </div>
      ) : null}
    </div>
  );
}
