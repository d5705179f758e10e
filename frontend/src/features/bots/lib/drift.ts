import { INTERVAL_MS, type Interval } from '@/config/constants';
import type { ChartMarker } from '@/lib/chart-data';
import { toEpochMs } from '@/lib/format';
import type { DriftPeriod, DriftSummary, DriftUnmatched } from '../api/get-bot-drift';
import type { Bot } from '../types';

export type PeriodKey = 'start' | 'created' | '1h' | '24h' | '3d';

export const PERIOD_LABELS: Record<PeriodKey, string> = {
  start: 'Since last start',
  created: 'Since created',
  '1h': 'Last hour',
  '24h': 'Last 24 hours',
  '3d': 'Last 3 days',
};

const SPAN_MS: Partial<Record<PeriodKey, number>> = { '1h': 3_600_000, '24h': 86_400_000, '3d': 3 * 86_400_000 };

/** "Since last start" means something only while the bot runs (a stop moves the same timestamp). */
export const periodChoices = (bot: Bot): PeriodKey[] =>
  bot.status === 'running' ? ['start', 'created', '1h', '24h', '3d'] : ['created', '1h', '24h', '3d'];

export const defaultPeriod = (bot: Bot): PeriodKey => (bot.status === 'running' ? 'start' : 'created');

/**
 * The period as the API takes it, ending at the bot's last tick: the platform's clock, not the browser's (an
 * accelerated local clock runs ahead of it), and a fixed `to`, so a pending report is asked for again at the
 * same URL. Null when the bot has not ticked inside the period yet.
 */
export function driftPeriod(bot: Bot, key: PeriodKey, to: number | null = lastTick(bot)): DriftPeriod | null {
  if (to === null) return null;
  const span = SPAN_MS[key];
  const from = span !== undefined ? to - span : toEpochMs(key === 'start' ? bot.updated_at : bot.created_at);
  return from !== null && from < to ? { from, to } : null;
}

export const lastTick = (bot: Bot): number | null => toEpochMs(bot.state?.last_tick_at);

/** The attribution buckets in the order the report explains them. */
export const BUCKETS: { key: keyof DriftSummary; label: string }[] = [
  { key: 'slippage', label: 'Slippage' },
  { key: 'fees', label: 'Fees' },
  { key: 'quantity', label: 'Quantity' },
  { key: 'timing', label: 'Timing' },
  { key: 'rejections', label: 'Rejections' },
  { key: 'config', label: 'Config' },
  { key: 'unexplained', label: 'Unexplained' },
];

const REASONS: Record<string, string> = {
  missed_tick: 'Missed tick',
  not_ticked_yet: 'Not ticked yet',
  failed_tick: 'Failed tick',
  bot_paused: 'Bot paused',
  manual_stop: 'Manual stop',
  order_rejected: 'Order rejected',
  signal_refused: 'Signal refused',
  config_change: 'Config change',
  unknown: 'Unknown cause',
};

export const reasonLabel = (reason: string) => REASONS[reason] ?? reason.replace(/_/g, ' ');

export const sideLabel = (side: string) => (side === 'live' ? 'Live only' : 'Backtest only');

/** One marker per unmatched fill, on the candle it executed in, told apart from the trades' own markers. */
export function driftMarkers(unmatched: DriftUnmatched[] | undefined, interval: Interval): ChartMarker[] {
  const step = INTERVAL_MS[interval];
  return (unmatched ?? [])
    .map((u): ChartMarker => ({
      time: (Math.floor(u.fill.executed_at / step) * step) / 1000,
      side: u.fill.side.toUpperCase() === 'BUY' ? 'buy' : 'sell',
      text: `${sideLabel(u.side)}: ${reasonLabel(u.reason)}`,
      kind: 'drift',
    }))
    .sort((a, b) => a.time - b.time);
}

/** The trades' and the drift report's markers, in the time order the chart needs. */
export const withDriftMarkers = (trades: ChartMarker[], drift: ChartMarker[]): ChartMarker[] =>
  drift.length === 0 ? trades : [...trades, ...drift].sort((a, b) => a.time - b.time);
