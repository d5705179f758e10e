/** Shapes of /api/v1/optimizations (docs/optimization.md). Metrics are the backtest metrics dict. */
export type OptimizationStatus = 'queued' | 'running' | 'done' | 'cancelled' | 'failed';
export type Objective = 'sharpe' | 'sortino' | 'calmar' | 'total_return' | 'profit_factor' | 'return_over_max_drawdown';
export type Sampler = 'grid' | 'random' | 'tpe';

export type Metrics = Record<string, number | string | boolean | null | undefined>;

export type SpaceEntry = { low: number; high: number; step?: number } | { choices: Array<number | string | boolean> };

export type CreateOptimizationInput = {
  strategy: string;
  params: Record<string, unknown>;
  risk: Record<string, number>;
  space: Record<string, SpaceEntry>;
  objective: Objective;
  min_trades: number;
  sampler: Sampler;
  trials: number;
  validation: { test_pct: number };
  symbol: string;
  interval: string;
  start?: string;
  end?: string;
  csv?: string;
  fee: number;
  cash: number;
};

export type TrialState = 'complete' | 'no_score' | 'infeasible';

export type Trial = {
  id: number;
  point: Record<string, number | string | boolean>;
  params: Record<string, unknown>;
  risk: Record<string, unknown>;
  state: TrialState;
  score: number | null;
  in_sample: Metrics | null;
  fold_scores?: Array<number | null> | null;
};

/** A point of a top trial's equity curve: the bar's open time in Unix ms. */
export type TrialEquityPoint = { time: number; equity: number };

export type TopTrial = {
  trial: number;
  params: Record<string, number | string | boolean>;
  in_sample_score: number | null;
  out_of_sample_score: number | null;
  out_of_sample: Metrics | null;
  /** At most ~300 points each; null for jobs finished before the API kept curves. */
  equity?: { in_sample: TrialEquityPoint[]; out_of_sample: TrialEquityPoint[] } | null;
};

export type OptimizationResult = {
  objective: Objective;
  trials: Trial[];
  best: (Trial & { out_of_sample: Metrics | null }) | null;
  top: TopTrial[];
  walk_forward: unknown;
  overfitting_warning: string | boolean | null;
  overfit_fraction: number;
  held_out_bars: number | null;
  unfinished_trials: number;
};

export type Progress = {
  done: number;
  total: number;
  percent?: number;
  best_so_far?: { trial: number; point: Record<string, unknown>; score: number | null } | null;
  eta_s?: number | null;
};

export type Optimization = {
  id: string;
  status: OptimizationStatus;
  error: string | null;
  strategy: string;
  symbol: string;
  interval: string;
  source: string;
  bars: number;
  start: string | null;
  end: string | null;
  created_at: string;
  updated_at: string;
  spec: Record<string, unknown>;
  progress: Progress;
  result?: OptimizationResult | null;
};

export type CreatedBot = { id: string; name?: string };
