import { paramFields, type ObjectSchema, type ParamField } from '@/lib/json-schema';
import type { CreateOptimizationInput, Objective, Sampler, SpaceEntry } from '../types';

/**
 * The Optimize form's raw values are flat strings keyed like the API's error fields, so a 422 detail
 * (`space.fast`, `params.fast`, `trials`) lands on the input it names: per strategy parameter a mode
 * (`mode.<name>`: fixed or range), a fixed value (`params.<name>`) and a range (`space.<name>.low|high|step`).
 */
export type Raw = Record<string, string | boolean>;
export type Errors = Record<string, string>;

export const OBJECTIVES: Array<{ value: Objective; label: string }> = [
  { value: 'sharpe', label: 'Sharpe ratio' },
  { value: 'sortino', label: 'Sortino ratio' },
  { value: 'calmar', label: 'Calmar ratio' },
  { value: 'total_return', label: 'Total return' },
  { value: 'profit_factor', label: 'Profit factor' },
  { value: 'return_over_max_drawdown', label: 'Return over max drawdown' },
];
export const SAMPLERS: Array<{ value: Sampler; label: string }> = [
  { value: 'grid', label: 'Grid (every point)' },
  { value: 'random', label: 'Random' },
  { value: 'tpe', label: 'TPE (Bayesian)' },
];
export const MAX_TRIALS = 2_000;

export const isNumeric = (f: ParamField) => f.kind === 'integer' || f.kind === 'number';

/** Defaults for a strategy: its schema defaults fixed, the numeric ones offered as a range around them. */
export function spaceDefaults(schema: ObjectSchema): Raw {
  const out: Raw = {};
  for (const f of paramFields(schema)) {
    const d = schema.properties?.[f.name]?.default;
    out[`params.${f.name}`] = f.kind === 'boolean' ? d === true : d === undefined || d === null ? '' : String(d);
    if (!isNumeric(f)) continue;
    const base = typeof d === 'number' ? d : (f.min ?? 1);
    const low = Math.max(f.min ?? -Infinity, f.kind === 'integer' ? Math.round(base / 2) : base / 2);
    const high = Math.min(f.max ?? Infinity, base * 2);
    out[`mode.${f.name}`] = 'fixed';
    out[`space.${f.name}.low`] = String(low);
    out[`space.${f.name}.high`] = String(high);
    out[`space.${f.name}.step`] = f.kind === 'integer' ? String(Math.max(1, Math.round((high - low) / 5))) : '';
  }
  for (const f of RISK_PARAMS) {
    out[`mode.${f.name}`] = 'off';
    out[f.name] = '';
    Object.assign(out, { [`space.${f.name}.low`]: '1', [`space.${f.name}.high`]: '5', [`space.${f.name}.step`]: '1' });
  }
  return out;
}

const num = (s: unknown): number | null => {
  const t = typeof s === 'string' ? s.trim() : '';
  const n = t === '' ? NaN : Number(t);
  return Number.isFinite(n) ? n : null;
};

function inBounds(f: ParamField, v: number): string | null {
  if (f.kind === 'integer' && !Number.isInteger(v)) return 'Must be a whole number';
  if (f.min !== undefined && v < f.min) return `Must be at least ${f.min}`;
  if (f.max !== undefined && v > f.max) return `Must be at most ${f.max}`;
  return null;
}

/** One range's entry, or the errors naming its inputs. */
function rangeOf(f: ParamField, raw: Raw, sampler: Sampler, errors: Errors): SpaceEntry | null {
  const key = `space.${f.name}`;
  const low = num(raw[`${key}.low`]);
  const high = num(raw[`${key}.high`]);
  const stepText = String(raw[`${key}.step`] ?? '').trim();
  const step = stepText === '' ? null : num(stepText);
  const before = Object.keys(errors).length;
  if (low === null) errors[`${key}.low`] = 'Must be a number';
  else if (inBounds(f, low)) errors[`${key}.low`] = inBounds(f, low)!;
  if (high === null) errors[`${key}.high`] = 'Must be a number';
  else if (inBounds(f, high)) errors[`${key}.high`] = inBounds(f, high)!;
  if (low !== null && high !== null && low > high) errors[`${key}.high`] = 'Must be at least the low end';
  if (stepText !== '' && (step === null || step <= 0)) errors[`${key}.step`] = 'Must be a number above 0';
  else if (step !== null && f.kind === 'integer' && !Number.isInteger(step)) errors[`${key}.step`] = 'Must be a whole number';
  if (sampler === 'grid' && f.kind === 'number' && step === null) errors[`${key}.step`] = 'A grid needs a step';
  if (Object.keys(errors).length > before || low === null || high === null) return null;
  return step === null ? { low, high } : { low, high, step };
}

function fixedOf(f: ParamField, raw: Raw, errors: Errors, key = `params.${f.name}`): unknown {
  const v = raw[key];
  if (f.kind === 'boolean') return v === true;
  const text = String(v ?? '').trim();
  if (text === '') {
    if (f.required) errors[key] = 'Required';
    return undefined;
  }
  if (f.kind === 'enum') return f.options.includes(text) ? (Number.isFinite(Number(text)) && !/[a-z]/i.test(text) ? Number(text) : text) : undefined;
  if (!isNumeric(f)) return text;
  const n = num(text);
  if (n === null) errors[key] = 'Must be a number';
  else if (inBounds(f, n)) errors[key] = inBounds(f, n)!;
  return n ?? undefined;
}

/** How many points a grid over `space` has (each integer range steps by 1 unless told). */
export function gridSize(space: Record<string, SpaceEntry>): number {
  let size = 1;
  for (const e of Object.values(space)) {
    if ('choices' in e) size *= e.choices.length;
    else size *= Math.floor((e.high - e.low) / (e.step ?? 1) + 1e-9) + 1;
  }
  return size;
}

/**
 * The risk rules a search may fix or range over, as the API names them in `space` (`risk.<name>`): off (no
 * rule), fixed (`risk.<name>`) or a range (`space.risk.<name>.low|high|step`), chosen by `mode.risk.<name>`.
 */
export const RISK_PARAMS: ParamField[] = [
  { name: 'risk.stop_loss_pct', label: 'Stop-loss %', kind: 'number', options: [], choices: [], min: 0.01, max: 100, required: false },
  { name: 'risk.take_profit_pct', label: 'Take-profit %', kind: 'number', options: [], choices: [], min: 0.01, max: 10_000, required: false },
  { name: 'risk.trailing_stop_pct', label: 'Trailing stop %', kind: 'number', options: [], choices: [], min: 0.01, max: 100, required: false },
];

/** The fixed risk rules and the ranged ones (added to `space`), from the form's risk rows. */
function riskOf(raw: Raw, sampler: Sampler, space: Record<string, SpaceEntry>, errors: Errors): Record<string, number> {
  const risk: Record<string, number> = {};
  for (const f of RISK_PARAMS) {
    const mode = raw[`mode.${f.name}`];
    if (mode === 'range') {
      const entry = rangeOf(f, raw, sampler, errors);
      if (entry) space[f.name] = entry;
    } else if (mode === 'fixed') {
      const v = fixedOf({ ...f, required: true }, raw, errors, f.name);
      if (typeof v === 'number') risk[f.name.slice(5)] = v;
    }
  }
  return risk;
}

export type SpaceOutcome = { params: Record<string, unknown>; risk: Record<string, number>; space: Record<string, SpaceEntry>; errors: Errors };

/** The fixed params and the searched space of the form's values, with an error per input that is wrong. */
export function buildSpace(schema: ObjectSchema, raw: Raw, sampler: Sampler): SpaceOutcome {
  const errors: Errors = {};
  const params: Record<string, unknown> = {};
  const space: Record<string, SpaceEntry> = {};
  for (const f of paramFields(schema)) {
    if (isNumeric(f) && raw[`mode.${f.name}`] === 'range') {
      const entry = rangeOf(f, raw, sampler, errors);
      if (entry) space[f.name] = entry;
      continue;
    }
    const v = fixedOf(f, raw, errors);
    if (v !== undefined) params[f.name] = v;
  }
  crossRuleErrors(schema, params, space, errors);
  const risk = riskOf(raw, sampler, space, errors);
  const ranged = [...paramFields(schema), ...RISK_PARAMS].some((f) => isNumeric(f) && raw[`mode.${f.name}`] === 'range');
  if (!ranged) errors.space = 'Give at least one parameter a range to search';
  return { params, risk, space, errors };
}

/** The catalog's `x-rules` (fast < slow): refused when no point of the space can satisfy one, as the server does. */
function crossRuleErrors(schema: ObjectSchema, params: Record<string, unknown>, space: Record<string, SpaceEntry>, errors: Errors) {
  const bound = (name: string, end: 'low' | 'high'): number | null => {
    const e = space[name];
    if (e && 'low' in e) return e[end];
    return typeof params[name] === 'number' ? (params[name] as number) : null;
  };
  const where = (name: string) => (space[name] ? `space.${name}` : `params.${name}`);
  for (const rule of schema['x-rules'] ?? []) {
    const small = bound(rule.field, 'low');
    const big = bound(rule.less_than, 'high');
    if (small === null || big === null || small < big) continue;
    errors[where(rule.field)] ??= `Must go below ${rule.less_than}`;
    errors[where(rule.less_than)] ??= `Must go above ${rule.field}`;
  }
}

const localToIso = (local: string) => new Date(local).toISOString();

/** The whole POST body, or the errors of the form (keyed like the inputs). */
export function buildRequest(schema: ObjectSchema, raw: Raw): { body: CreateOptimizationInput | null; errors: Errors } {
  const sampler = (raw.sampler as Sampler) || 'tpe';
  const { params, risk, space, errors } = buildSpace(schema, raw, sampler);
  const trials = sampler === 'grid' ? gridSize(space) : num(raw.trials);
  if (trials === null || !Number.isInteger(trials) || trials < 1) errors.trials = 'A whole number of at least 1';
  else if (trials > MAX_TRIALS) errors.trials = sampler === 'grid' ? `The grid has ${trials} points; at most ${MAX_TRIALS}` : `At most ${MAX_TRIALS}`;
  const testPct = num(raw.test_pct);
  if (testPct === null || testPct < 5 || testPct > 50 || !Number.isInteger(testPct)) errors['validation.test_pct'] = 'A whole number from 5 to 50';
  const minTrades = num(raw.min_trades);
  if (minTrades === null || minTrades < 0 || !Number.isInteger(minTrades)) errors.min_trades = 'A whole number, 0 or more';
  const fee = num(raw.fee);
  if (fee === null || fee < 0 || fee > 0.1) errors.fee = 'Between 0 and 0.1 (0.001 = 0.1%)';
  const cash = num(raw.cash);
  if (cash === null || cash <= 0) errors.cash = 'Above 0';
  if (!raw.symbol) errors.symbol = 'Choose a symbol';
  const csv = raw.source === 'csv';
  if (csv && !String(raw.csv ?? '').trim()) errors.csv = 'Choose a kline CSV file';
  if (!csv) {
    if (!raw.start) errors.start = 'Required';
    if (!raw.end) errors.end = 'Required';
    if (raw.start && raw.end && Date.parse(String(raw.start)) >= Date.parse(String(raw.end))) errors.end = 'Must be after the start';
  }
  if (Object.keys(errors).length > 0) return { body: null, errors };
  const source = csv ? { csv: String(raw.csv) } : { start: localToIso(String(raw.start)), end: localToIso(String(raw.end)) };
  return {
    errors,
    body: {
      strategy: String(raw.strategy),
      params,
      risk,
      space,
      objective: (raw.objective as Objective) || 'sharpe',
      min_trades: minTrades!,
      sampler,
      trials: trials!,
      validation: { test_pct: testPct! },
      symbol: String(raw.symbol),
      interval: String(raw.interval),
      ...source,
      fee: fee!,
      cash: cash!,
    },
  };
}
