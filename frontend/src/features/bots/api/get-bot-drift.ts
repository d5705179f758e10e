import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';

/** Every amount in the quote asset, as a decimal string. */
export type DriftSummary = {
  live_pnl: string;
  backtest_pnl: string;
  slippage: string;
  fees: string;
  quantity: string;
  timing: string;
  rejections: string;
  config: string;
  unexplained: string;
};

export type DriftFill = {
  id: string;
  side: 'BUY' | 'SELL' | string;
  leg: string | null;
  tick_at: number | null;
  executed_at: number;
  price: string;
  quantity: string;
  fee: string;
  fee_asset: string;
  fee_rate: string;
  reason: string;
};

export type DriftPair = {
  kind: 'tick' | 'bar' | 'late' | string;
  live: DriftFill;
  backtest: DriftFill;
  time_ms: number;
  slippage_bps: string;
  fee_diff: string;
  fee_rate_diff: string;
  quantity_diff: string;
  amounts: Record<string, string>;
};

export type DriftUnmatched = { side: 'live' | 'backtest' | string; fill: DriftFill; reason: string; detail: string; amount: string };

/** GET /bots/{id}/drift (docs/drift.md): the bot's trades against a replay of its configuration over the same candles. */
export type DriftReport = {
  summary: DriftSummary;
  pairs: DriftPair[];
  unmatched: DriftUnmatched[];
  source: string;
  /** Both sides' equity (cash + held x close) at up to 500 bar closes, from the same starting cash. */
  equity: { t: number; live: number; backtest: number }[];
};

/** A long period is computed by a worker: the API answers 202 with this until the report is ready. */
export type DriftPending = { status: 'pending'; report_id: string; retry_after_ms: number };

export type DriftPeriod = { from: number; to: number };

export const isPending = (d: DriftReport | DriftPending | undefined): d is DriftPending =>
  d !== undefined && 'status' in d && d.status === 'pending';

const MIN_POLL_MS = 500;
const DEFAULT_POLL_MS = 2_000;

/** The same URL (same from and to) answers 202 until the report is ready, then 200 with it. */
export const getBotDrift = (id: string, period: DriftPeriod, signal?: AbortSignal) =>
  api.get<DriftReport | DriftPending>(`/bots/${encodeURIComponent(id)}/drift`, { query: { from: period.from, to: period.to }, signal });

export const botDriftQueryOptions = (id: string, period: DriftPeriod) =>
  queryOptions({
    queryKey: ['bots', id, 'drift', period.from, period.to],
    queryFn: ({ signal }) => getBotDrift(id, period, signal),
    // A fixed period's report does not change; only a pending one is asked again, as often as the server says.
    staleTime: Infinity,
    refetchInterval: (q) => {
      const data = q.state.data;
      return isPending(data) ? Math.max(MIN_POLL_MS, data.retry_after_ms || DEFAULT_POLL_MS) : false;
    },
  });

export const useBotDrift = (id: string, period: DriftPeriod | null) =>
  useQuery({ ...botDriftQueryOptions(id, period ?? { from: 0, to: 0 }), enabled: period !== null });
