import type { RiskRules } from '@/types/api';

/**
 * What "create a bot from this backtest" hands to the bot form: the strategy configuration a run used.
 * It travels in the URL query (`/bots/new?prefill=…`) so that a reload or a shared link keeps it, and lives
 * here because the backtests and bots features may not import each other.
 */
export type BotPrefill = {
  strategy: string;
  params: Record<string, unknown>;
  risk: RiskRules;
  symbol: string;
  interval: string;
  name?: string;
  /** The backtest it came from, to say so on the form. */
  source?: string;
};

export const PREFILL_PARAM = 'prefill';

export function prefillQuery(prefill: BotPrefill): string {
  return new URLSearchParams({ [PREFILL_PARAM]: JSON.stringify(prefill) }).toString();
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The prefill of a URL query, or null when absent or not one (a hand-edited link must not break the form). */
export function parsePrefill(search: URLSearchParams): BotPrefill | null {
  const raw = search.get(PREFILL_PARAM);
  if (!raw) return null;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isRecord(v) || typeof v.strategy !== 'string' || typeof v.symbol !== 'string' || typeof v.interval !== 'string') return null;
  const risk: RiskRules = {};
  if (isRecord(v.risk)) {
    for (const k of ['stop_loss_pct', 'take_profit_pct', 'trailing_stop_pct'] as const) {
      const n = v.risk[k];
      if (typeof n === 'number' && Number.isFinite(n)) risk[k] = n;
    }
    if (v.risk.stop_mode === 'exchange' || v.risk.stop_mode === 'bot') risk.stop_mode = v.risk.stop_mode;
  }
  return {
    strategy: v.strategy,
    params: isRecord(v.params) ? v.params : {},
    risk,
    symbol: v.symbol,
    interval: v.interval,
    ...(typeof v.name === 'string' ? { name: v.name.slice(0, 80) } : {}),
    ...(typeof v.source === 'string' ? { source: v.source } : {}),
  };
}
