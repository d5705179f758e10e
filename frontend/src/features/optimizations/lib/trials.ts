import type { Metrics, Trial } from '../types';

export type SortKey = 'id' | 'score' | `param:${string}` | `metric:${string}`;
export type SortDir = 'asc' | 'desc';

/** The in-sample metrics the trials table shows, in order. */
export const METRIC_COLUMNS: Array<{ key: string; label: string; pct?: boolean }> = [
  { key: 'total_return_pct', label: 'Return', pct: true },
  { key: 'sharpe', label: 'Sharpe' },
  { key: 'max_drawdown_pct', label: 'Max DD', pct: true },
  { key: 'win_rate_pct', label: 'Win rate', pct: true },
  { key: 'num_trades', label: 'Trades' },
];

const toNum = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};

export function metric(m: Metrics | null | undefined, key: string): number | null {
  return toNum(m?.[key]);
}

function valueOf(t: Trial, key: SortKey): number | string | null {
  if (key === 'id') return t.id;
  if (key === 'score') return t.score;
  if (key.startsWith('param:')) {
    const v = t.point[key.slice(6)] ?? t.params[key.slice(6)];
    return typeof v === 'number' || typeof v === 'string' ? v : v === undefined ? null : String(v);
  }
  return metric(t.in_sample, key.slice(7));
}

/** Trials sorted by a column; a trial without a value (no score, infeasible) always goes last. */
export function sortTrials(trials: Trial[], key: SortKey, dir: SortDir): Trial[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...trials].sort((a, b) => {
    const va = valueOf(a, key);
    const vb = valueOf(b, key);
    if (va === null || vb === null) return va === vb ? a.id - b.id : va === null ? 1 : -1;
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return c === 0 ? a.id - b.id : sign * c;
  });
}

/** The searched parameters' names, in the order of the first trial's point. */
export const searchedParams = (trials: Trial[]) => Object.keys(trials[0]?.point ?? {});

/** Numeric searched parameters with at least two distinct values: the heatmap's axes. */
export function numericAxes(trials: Trial[]): string[] {
  return searchedParams(trials).filter((p) => {
    const values = new Set(trials.map((t) => t.point[p]));
    return values.size > 1 && [...values].every((v) => typeof v === 'number');
  });
}

export function formatNumber(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', { maximumFractionDigits: digits });
}
