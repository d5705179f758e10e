import { useCallback, useMemo } from 'react';
import { FormError } from '@/components/ui/alert';
import { defaultSymbol } from '@/config/constants';
import { StrategyConfigFields } from '@/components/form/strategy-config-fields';
import { useFormState } from '@/lib/form';
import { precisionOf } from '@/lib/format';
import { strategyConfigDefaults, strategyConfigPayload } from '@/lib/strategy-config';
import type { MarketSymbol, Strategy } from '@/types/api';
import { useCreateBot } from '../api/create-bot';
import type { PlanInput } from '../api/plan-bot';
import { botSchema } from '../lib/bot-form';
import type { Bot } from '../types';
import { BotBasicsFields, ModeFields, type ApiKeyOption } from './bot-form-fields';
import { BotPlanPreview } from './bot-plan-preview';

export type { ApiKeyOption } from './bot-form-fields';

export function CreateBotForm({
  strategies,
  symbols,
  apiKeys,
  onCreated,
  initial,
}: {
  strategies: Strategy[];
  symbols: MarketSymbol[];
  apiKeys: ApiKeyOption[];
  onCreated: (bot: Bot) => void;
  /** Raw values over the defaults, e.g. a backtest's configuration ("create a bot from this backtest"). */
  initial?: Record<string, string | boolean>;
}) {
  const first = strategies[0];
  const schemaFor = useCallback((v: Record<string, unknown>) => botSchema(strategies.find((s) => s.id === v.strategy)), [strategies]);
  const form = useFormState<Record<string, unknown>>(
    () => ({ ...strategyConfigDefaults(first, defaultSymbol(symbols)), name: '', mode: 'paper', api_key_id: '', budget: '100', ...initial }),
    schemaFor,
  );
  const strategy = strategies.find((s) => s.id === form.values.strategy);
  const createBot = useCreateBot({ onSuccess: onCreated });
  const symbol = symbols.find((s) => s.symbol === form.values.symbol);
  const quote = symbol?.quote_asset ?? '';
  const precision = useMemo(() => precisionOf(symbol), [symbol]);

  // The plan of what the inputs say so far (a name is not needed for it), or null until they parse.
  const planInput = useMemo((): PlanInput | null => {
    const parsed = schemaFor(form.values).safeParse({ ...form.values, name: String(form.values.name ?? '').trim() || 'plan' });
    if (!parsed.success || !strategy) return null;
    const data = parsed.data as Record<string, unknown>;
    const mode = data.mode as 'paper' | 'live';
    return {
      ...strategyConfigPayload(strategy, data),
      mode,
      ...(mode === 'live' ? { api_key_id: String(data.api_key_id) } : {}),
      budget: String(data.budget),
    };
  }, [form.values, schemaFor, strategy]);
  const { set } = form;
  const suggestRange = useCallback(
    (lower: string, upper: string) => {
      set('params.lower', lower);
      set('params.upper', upper);
    },
    [set],
  );

  const onSubmit = form.handleSubmit((data) => {
    if (!strategy) return;
    const parsed = data as Record<string, unknown>;
    const mode = parsed.mode as 'paper' | 'live';
    createBot.mutate(
      {
        ...strategyConfigPayload(strategy, parsed),
        name: String(parsed.name),
        mode,
        ...(mode === 'live' ? { api_key_id: String(parsed.api_key_id) } : {}),
        budget: String(parsed.budget),
      },
      { onError: form.applyServerError },
    );
  });

  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Create bot">
      <BotBasicsFields form={form} quote={quote} />
      <StrategyConfigFields form={form} strategies={strategies} symbols={symbols} newBot />
      <ModeFields form={form} apiKeys={apiKeys} />
      <BotPlanPreview input={planInput} onSuggestRange={suggestRange} precision={precision} />
      <FormError error={createBot.error} inlineFields={Object.keys(form.values)} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={createBot.isPending}>
          {createBot.isPending ? 'Creating…' : 'Create bot'}
        </button>
      </div>
    </form>
  );
}
