import { formatDateTime, formatPct } from '@/lib/format';
import type { BotPrefill } from '@/lib/bot-prefill';
import type { Backtest } from '../types';

const RISK_LABELS: Record<string, string> = {
  stop_loss_pct: 'stop loss',
  take_profit_pct: 'take profit',
  trailing_stop_pct: 'trailing stop',
  trailing_activation_pct: 'trailing activation',
  max_drawdown_pct: 'max drawdown',
};

const show = (v: unknown): string => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

/** "fast 5 · slow 20": a run's strategy parameters, in one line. */
export function paramsText(params: Record<string, unknown> | undefined): string {
  const entries = Object.entries(params ?? {});
  return entries.length ? entries.map(([k, v]) => `${k} ${show(v)}`).join(' · ') : 'default parameters';
}

/** "stop loss 2% · take profit 5%", or "no risk rules". */
export function riskText(risk: Record<string, unknown> | null | undefined): string {
  const entries = Object.entries(risk ?? {}).filter(([, v]) => v !== null && v !== undefined);
  if (!entries.length) return 'no risk rules';
  return entries.map(([k, v]) => (k.endsWith('_pct') ? `${RISK_LABELS[k] ?? k} ${formatPct(v as number)}` : `${RISK_LABELS[k] ?? k} ${show(v)}`)).join(' · ');
}

/** The period a run covered: its date range, or "uploaded CSV". */
export function periodText(b: Backtest): string {
  if (b.source === 'csv' || (!b.start && !b.end)) return 'uploaded CSV';
  return `${formatDateTime(b.start)} → ${formatDateTime(b.end)}`;
}

/** "fee 0.1% · slippage 0%" from fractions. */
export function costsText(b: Backtest): string {
  const pct = (f: number | undefined) => (f === undefined ? '—' : formatPct(f * 100));
  return `fee ${pct(b.fee)} · slippage ${pct(b.slippage)}`;
}

/** A short name for a run: strategy · symbol · interval, the strategy by its human name when `names` has it. */
export function runTitle(b: Backtest, names: Record<string, string> = {}): string {
  const strategy = b.strategy ? (names[b.strategy] ?? b.strategy) : undefined;
  return [strategy, b.symbol, b.interval].filter(Boolean).join(' · ') || b.id.slice(0, 8);
}

/** The bot form's prefill for a run, or null when the run lacks what a bot needs. */
export function botPrefillOf(b: Backtest): BotPrefill | null {
  if (!b.strategy || !b.symbol || !b.interval) return null;
  return {
    strategy: b.strategy,
    params: b.params ?? {},
    risk: b.risk ?? {},
    symbol: b.symbol,
    interval: b.interval,
    name: `${b.strategy} ${b.symbol} ${b.interval}`,
    source: b.id,
  };
}
