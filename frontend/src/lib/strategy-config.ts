import { z } from 'zod';
import { INTERVALS } from '@/config/constants';
import type { RiskRules, Strategy } from '@/types/api';
import { collectParams, paramDefaults, paramValues, rawParamsZod } from './json-schema';

/**
 * The part shared by the bot and backtest forms: strategy + its params, symbol, interval,
 * risk rules. Raw values are flat ("params.fast", "risk.stop_loss_pct") so that zod issue
 * paths and the server's detail fields name the same input.
 */
export const PARAMS = 'params.';
export const RISK_FIELDS = ['stop_loss_pct', 'take_profit_pct', 'trailing_stop_pct'] as const;

// Empty means "no rule". A take-profit may exceed 100%; a loss or trail cannot.
const pct = (max: number) =>
  z
    .string()
    .trim()
    .transform((s) => (s === '' ? undefined : Number(s)))
    .pipe(
      z
        .number({ error: 'Must be a number' })
        .gt(0, { error: 'Must be greater than 0' })
        .max(max, { error: `Must be at most ${max}` })
        .optional(),
    );

/** The risk rules alone: a running bot may change them while its strategy and market stay locked. */
export function riskConfigSchema() {
  return z.object({
    'risk.stop_loss_pct': pct(100),
    'risk.take_profit_pct': pct(10_000),
    'risk.trailing_stop_pct': pct(100),
  });
}

export function strategyConfigSchema(strategy: Strategy | undefined) {
  const base = z
    .object({
      strategy: z.string().min(1, { error: 'Choose a strategy' }),
      symbol: z.string().min(1, { error: 'Choose a symbol' }),
      interval: z.enum(INTERVALS, { error: 'Choose an interval' }),
    })
    .extend(riskConfigSchema().shape);
  return strategy ? base.extend(rawParamsZod(strategy.params_schema, PARAMS).shape) : base;
}

export type StrategyConfig = {
  symbol?: string;
  interval?: string;
  params?: Record<string, unknown>;
  risk?: RiskRules | null;
};

/** Raw form values of an existing configuration (a saved bot); what is missing falls back to the defaults. */
export function strategyConfigValues(strategy: Strategy | undefined, config: StrategyConfig = {}): Record<string, string | boolean> {
  const risk = config.risk ?? {};
  const out: Record<string, string | boolean> = { strategy: strategy?.id ?? '', symbol: config.symbol ?? '', interval: config.interval ?? '1m' };
  for (const k of RISK_FIELDS) out[`risk.${k}`] = typeof risk[k] === 'number' ? String(risk[k]) : '';
  return { ...out, ...(strategy ? paramValues(strategy.params_schema, config.params, PARAMS) : {}) };
}

export function strategyConfigDefaults(strategy: Strategy | undefined, symbol = ''): Record<string, string | boolean> {
  return strategyConfigValues(strategy, { symbol });
}

/** Replace the params of the previous strategy with the defaults of the chosen one. */
export function switchStrategy<V extends Record<string, unknown>>(values: V, next: Strategy | undefined): V {
  const kept = Object.fromEntries(Object.entries(values).filter(([k]) => !k.startsWith(PARAMS)));
  return { ...kept, strategy: next?.id ?? '', ...(next ? paramDefaults(next.params_schema, PARAMS) : {}) } as unknown as V;
}

/** The risk rules the form holds (parsed values); an empty field is no rule. */
export function riskPayload(parsed: Record<string, unknown>): RiskRules {
  const risk: RiskRules = {};
  for (const k of RISK_FIELDS) {
    const v = parsed[`risk.${k}`];
    if (typeof v === 'number') risk[k] = v;
  }
  return risk;
}

export function strategyConfigPayload(strategy: Strategy, parsed: Record<string, unknown>) {
  return {
    strategy: strategy.id,
    params: collectParams(strategy.params_schema, parsed, PARAMS),
    symbol: String(parsed.symbol),
    interval: String(parsed.interval),
    risk: riskPayload(parsed),
  };
}
