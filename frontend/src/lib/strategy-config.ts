import { z } from 'zod';
import { INTERVALS } from '@/config/constants';
import type { RiskRules, StopMode, Strategy } from '@/types/api';
import { collectParams, paramDefaults, paramValues, rawParamsZod, type ObjectSchema } from './json-schema';

/**
 * The part shared by the bot and backtest forms: strategy + its params, symbol, interval,
 * risk rules. Raw values are flat ("params.fast", "risk.stop_loss_pct") so that zod issue
 * paths and the server's detail fields name the same input.
 */
export const PARAMS = 'params.';
export const RISK_FIELDS = ['stop_loss_pct', 'take_profit_pct', 'trailing_stop_pct'] as const;

/**
 * Where the stop-loss and take-profit live. Unlike the percentages it is a form value only once chosen: left
 * out, a saved bot keeps checking them itself and a new one gets the server's choice (on the exchange for a
 * live bot with a stop), so a form that never touched it sends nothing.
 */
export const STOP_MODES = ['exchange', 'bot'] as const satisfies readonly StopMode[];
export const STOP_MODE_FIELD = 'risk.stop_mode';
const isStopMode = (v: unknown): v is StopMode => (STOP_MODES as readonly unknown[]).includes(v);

/**
 * What a new configuration starts with where its schema allows it, over the schema's own default (which keeps
 * the meaning of bots saved before the field existed): a new grid rests limit orders at its levels.
 */
export const NEW_CONFIG_PREFERRED: Record<string, string> = { order_type: 'limit' };

function preferredDefaults(schema: ObjectSchema, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(NEW_CONFIG_PREFERRED)) {
    if (schema.properties?.[name]?.enum?.some((o) => String(o) === value)) out[prefix + name] = value;
  }
  return out;
}

/** The defaults of a new configuration's params: the schema's, then the preferred choices it allows. */
function newParamDefaults(strategy: Strategy): Record<string, string | boolean> {
  return { ...paramDefaults(strategy.params_schema, PARAMS), ...preferredDefaults(strategy.params_schema, PARAMS) };
}

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
    [STOP_MODE_FIELD]: z
      .string()
      .optional()
      .refine((v) => v === undefined || v === '' || isStopMode(v), { error: 'Choose one of the options' })
      .transform((v) => (isStopMode(v) ? v : undefined)),
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
  if (isStopMode(risk.stop_mode)) out[STOP_MODE_FIELD] = risk.stop_mode;
  return { ...out, ...(strategy ? paramValues(strategy.params_schema, config.params, PARAMS) : {}) };
}

export function strategyConfigDefaults(strategy: Strategy | undefined, symbol = ''): Record<string, string | boolean> {
  return { ...strategyConfigValues(strategy, { symbol }), ...(strategy ? preferredDefaults(strategy.params_schema, PARAMS) : {}) };
}

/** Replace the params of the previous strategy with the defaults of the chosen one. */
export function switchStrategy<V extends Record<string, unknown>>(values: V, next: Strategy | undefined): V {
  const kept = Object.fromEntries(Object.entries(values).filter(([k]) => !k.startsWith(PARAMS)));
  return { ...kept, strategy: next?.id ?? '', ...(next ? newParamDefaults(next) : {}) } as unknown as V;
}

/** The risk rules the form holds (parsed values); an empty field is no rule. */
export function riskPayload(parsed: Record<string, unknown>): RiskRules {
  const risk: RiskRules = {};
  for (const k of RISK_FIELDS) {
    const v = parsed[`risk.${k}`];
    if (typeof v === 'number') risk[k] = v;
  }
  const mode = parsed[STOP_MODE_FIELD];
  if (isStopMode(mode)) risk.stop_mode = mode;
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
