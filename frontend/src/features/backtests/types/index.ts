import type { IndicatorPlot } from '@/components/charts/chart-legend';
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
  open_trades?: number | string;
  initial_cash?: number | string;
  period_days?: number | string | null;
  period_return_pct?: number | string | null;
  /** cagr/sharpe/sortino are null below `min_annualised_days` */
  annualised?: boolean | null;
  min_annualised_days?: number | null;
  annualisation?: string | null;
  avg_win?: number | string | null;
  avg_loss?: number | string | null;
  expectancy?: number | string | null;
  final_equity_includes_open_position?: boolean | null;
};

export type Benchmark = {
  strategy: 'buy_and_hold';
  entry_price: number;
  quantity: number;
  final_equity: number;
  return_pct: number;
  max_drawdown_pct: number;
  equity: EquityPoint[];
};

export type OpenPosition = { qty: number; entry_price: number; mark_price: number; market_value: number; unrealised_pnl: number };

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

/** One chart candle: consecutive bars merged when the run had more than the chart shows. */
export type ChartCandle = { t: string; open: number; high: number; low: number; close: number };

export type BacktestResult = {
  trades: BacktestTrade[];
  metrics: BacktestMetrics;
  equity: EquityPoint[];
  benchmark?: Benchmark | null;
  open_position?: OpenPosition | null;
  candles?: ChartCandle[];
  /** The strategy's indicator series on those candles (the same declaration the bot page draws). */
  plots?: IndicatorPlot[];
  /** A signal bot's backtest: what became of each given signal */
  signals?: BacktestSignalOutcome[] | null;
};

export type BacktestSignalOutcome = {
  time: string;
  action: string;
  amount: number | null;
  status: 'executed' | 'refused' | 'not_applied';
  reason: string | null;
  applied_at: string | null;
};

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
  /** What the run was given (the list has them too, without the trades). */
  params?: Record<string, unknown>;
  risk?: RiskRules | null;
  source?: 'range' | 'csv';
  start?: string | null;
  end?: string | null;
  fee?: number;
  slippage?: number;
  cash?: number;
  bars?: number;
  metrics?: BacktestMetrics | null;
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
  /** The signal strategy only: CSV `time,action[,amount]` lines (or a list of {time, action, amount}) */
  signals?: string;
  fee: number;
  cash: number;
};
