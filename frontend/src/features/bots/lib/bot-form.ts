import { z } from 'zod';
import { collectParams } from '@/lib/json-schema';
import { crossRules } from '@/lib/json-schema';
import { PARAMS, RISK_FIELDS, riskConfigSchema, riskPayload, strategyConfigSchema, strategyConfigValues } from '@/lib/strategy-config';
import type { RiskRules, Strategy } from '@/types/api';
import type { Bot, BotRisk, BotStatus, UpdateBotInput } from '../types';

/**
 * The bot form's values and rules, shared by the create and edit screens. Raw values are flat
 * ("params.fast", "risk.stop_loss_pct") like the strategy config they extend.
 */

const decimal = /^\d+(\.\d+)?$/;

const basics = {
  name: z.string().trim().min(1, { error: 'Give the bot a name' }).max(80, { error: 'At most 80 characters' }),
  budget: z
    .string()
    .trim()
    .regex(decimal, { error: 'A positive amount, like 100 or 250.5' })
    .refine((s) => Number(s) > 0, { error: 'Must be greater than 0' }),
};

/** Everything a stopped bot is made of: name, budget, strategy + params, market, risk, mode and key. */
export function botSchema(strategy: Strategy | undefined) {
  return strategyConfigSchema(strategy)
    .extend({ ...basics, mode: z.enum(['paper', 'live']), api_key_id: z.string() })
    .superRefine((v, ctx) => {
      if (v.mode === 'live' && !v.api_key_id) ctx.addIssue({ code: 'custom', path: ['api_key_id'], message: 'Live bots need an exchange API key' });
    })
    .superRefine(...crossRules(strategy?.params_schema, PARAMS));
}

/** What a running or paused bot may change (the API answers 409 bot_running for the rest). */
export const EDITABLE_WHILE_RUNNING = ['name', 'budget', 'risk'] as const;

export function runningBotSchema() {
  return z.object(basics).extend(riskConfigSchema().shape);
}

/** A running or paused bot keeps its strategy, params, market, mode and key until it is stopped. */
export const isLocked = (status: BotStatus) => status === 'running' || status === 'paused';

/** The form's raw values for a saved bot. */
export function botFormValues(bot: Bot, strategy: Strategy | undefined): Record<string, string | boolean> {
  return {
    ...strategyConfigValues(strategy, { symbol: bot.symbol, interval: bot.interval, params: bot.params, risk: bot.risk }),
    // A strategy the catalog no longer lists stays what it is unless the user picks another.
    strategy: bot.strategy,
    name: bot.name,
    budget: bot.budget,
    mode: bot.mode,
    api_key_id: bot.api_key_id ?? '',
  };
}

type Field = keyof UpdateBotInput;

const fieldOf = (key: string): Field =>
  (key.startsWith(PARAMS) ? 'params' : key.startsWith('risk.') ? 'risk' : key) as Field;

/** JSON equality regardless of key order. */
function sameJson(a: unknown, b: unknown): boolean {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]))
        : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

/**
 * The rules the form edits replace the bot's; the others it holds (position size, cooldown, …) are
 * kept, since the API replaces risk as a whole. A trailing activation means nothing without a
 * trailing stop (the API refuses it alone), so it goes when the trailing stop is cleared.
 */
export function mergeRisk(current: BotRisk | null | undefined, edited: RiskRules): BotRisk {
  const kept: BotRisk = Object.fromEntries(Object.entries(current ?? {}).filter(([k]) => !(RISK_FIELDS as readonly string[]).includes(k)));
  if (edited.trailing_stop_pct === undefined) delete kept.trailing_activation_pct;
  return { ...kept, ...edited };
}

/**
 * The PATCH body: only the fields whose inputs the user changed and whose value then differs from
 * the bot's. A new strategy always brings its params (the old ones belong to the old schema); a live
 * bot's key goes with it, a paper bot needs none. While the bot is locked only name, budget and risk
 * can be sent.
 */
export function botChanges({
  bot,
  initial,
  values,
  parsed,
  strategy,
  locked,
}: {
  bot: Bot;
  initial: Record<string, unknown>;
  values: Record<string, unknown>;
  parsed: Record<string, unknown>;
  strategy: Strategy | undefined;
  locked: boolean;
}): UpdateBotInput {
  const edited = new Set<Field>();
  for (const k of new Set([...Object.keys(initial), ...Object.keys(values)])) if (!Object.is(initial[k], values[k])) edited.add(fieldOf(k));
  if (edited.has('strategy')) edited.add('params');
  const allowed = (f: Field) => edited.has(f) && (!locked || (EDITABLE_WHILE_RUNNING as readonly string[]).includes(f));

  const out: UpdateBotInput = {};
  if (allowed('name') && String(parsed.name) !== bot.name) out.name = String(parsed.name);
  if (allowed('budget') && String(parsed.budget) !== bot.budget) out.budget = String(parsed.budget);
  if (allowed('risk')) {
    const risk = mergeRisk(bot.risk, riskPayload(parsed));
    if (!sameJson(risk, bot.risk ?? {})) out.risk = risk;
  }
  if (strategy) {
    if (allowed('strategy') && strategy.id !== bot.strategy) out.strategy = strategy.id;
    if (allowed('params')) {
      const params = collectParams(strategy.params_schema, parsed, PARAMS);
      if (out.strategy || !sameJson(params, bot.params)) out.params = params;
    }
  }
  if (allowed('symbol') && String(parsed.symbol) !== bot.symbol) out.symbol = String(parsed.symbol);
  if (allowed('interval') && String(parsed.interval) !== bot.interval) out.interval = String(parsed.interval);
  const mode = parsed.mode as 'paper' | 'live' | undefined;
  if (allowed('mode') && mode && mode !== bot.mode) out.mode = mode;
  if ((allowed('mode') || allowed('api_key_id')) && mode === 'live' && String(parsed.api_key_id) !== (bot.api_key_id ?? '')) {
    out.api_key_id = String(parsed.api_key_id);
  }
  return out;
}
