import type { EquityPoint, RiskRules } from '@/types/api';

export type BacktestStatus = 'queued' | 'running' | 'done' | 'failed';

export type BacktestMetrics = {
  final_equity?: number | string;
  total_return_pct?: number | string;
  cagr_pct?: number | string;
  max_drawdown_pct?: number | string;
  sharpe?: number | string;
  sortino?: number | string;
  win_rate_pct?: number | string;
  profit_factor?: number | string;
  exposure_pct?: number | string;
  fees_paid?: number | string;
  num_trades?: number | string;
};

export type BacktestTrade = {
  entry_time?: string | number;
  exit_time?: string | number | null;
  entry_price?: string | number;
  exit_price?: string | number | null;
  quantity?: string | number;
  fee?: string | number;
  fees?: string | number;
  pnl?: string | number | null;
  return_pct?: string | number | null;
  exit_reason?: string | null;
};

export type BacktestResult = { trades: BacktestTrade[]; metrics: BacktestMetrics; equity: EquityPoint[] };

export type Backtest = {
  id: string;
  status: BacktestStatus;
  /** 0..1 or 0..100 */
  progress?: number | null;
  result?: BacktestResult | null;
  error?: string | { message?: string } | null;
  strategy?: string;
  symbol?: string;
  interval?: string;
  created_at?: string;
};

export type CreateBacktestInput = {
  strategy: string;
  params: Record<string, unknown>;
  risk: RiskRules;
  symbol: string;
  interval: string;
  start?: string;
  end?: string;
  csv?: string;
  fee: number;
  cash: number;
};
