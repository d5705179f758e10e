import { useCallback } from 'react';
import { z } from 'zod';
import { FormError } from '@/components/ui/alert';
import { Field, SelectField, TextField } from '@/components/form/field';
import { StrategyConfigFields } from '@/components/form/strategy-config-fields';
import { useFormState } from '@/lib/form';
import { strategyConfigDefaults, strategyConfigPayload, strategyConfigSchema } from '@/lib/strategy-config';
import type { MarketSymbol, Strategy } from '@/types/api';
import { useCreateBot } from '../api/create-bot';
import type { Bot } from '../types';

export type ApiKeyOption = { id: string; label: string; api_key_last4?: string; testnet?: boolean };

const decimal = /^\d+(\.\d+)?$/;

function botSchema(strategy: Strategy | undefined) {
  return strategyConfigSchema(strategy)
    .extend({
      name: z.string().trim().min(1, { error: 'Give the bot a name' }).max(64, { error: 'At most 64 characters' }),
      mode: z.enum(['paper', 'live']),
      api_key_id: z.string(),
      budget: z
        .string()
        .trim()
        .regex(decimal, { error: 'A positive amount, like 100 or 250.5' })
        .refine((s) => Number(s) > 0, { error: 'Must be greater than 0' }),
    })
    .superRefine((v, ctx) => {
      if (v.mode === 'live' && !v.api_key_id) ctx.addIssue({ code: 'custom', path: ['api_key_id'], message: 'Live bots need an exchange API key' });
    });
}

export function CreateBotForm({
  strategies,
  symbols,
  apiKeys,
  onCreated,
}: {
  strategies: Strategy[];
  symbols: MarketSymbol[];
  apiKeys: ApiKeyOption[];
  onCreated: (bot: Bot) => void;
}) {
  const first = strategies[0];
  const schemaFor = useCallback((v: Record<string, unknown>) => botSchema(strategies.find((s) => s.id === v.strategy)), [strategies]);
  const form = useFormState<Record<string, unknown>>(
    () => ({ ...strategyConfigDefaults(first, symbols[0]?.symbol ?? ''), name: '', mode: 'paper', api_key_id: '', budget: '100' }),
    schemaFor,
  );
  const strategy = strategies.find((s) => s.id === form.values.strategy);
  const createBot = useCreateBot({ onSuccess: onCreated });
  const quote = symbols.find((s) => s.symbol === form.values.symbol)?.quote_asset ?? '';

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
      <fieldset>
        <legend>Bot</legend>
        <div className="grid-fields">
          <TextField form={form} name="name" label="Name" autoComplete="off" />
          <TextField form={form} name="budget" label={`Budget${quote ? ` (${quote})` : ''}`} inputMode="decimal" hint="Quote amount the bot may spend" />
        </div>
      </fieldset>
      <StrategyConfigFields form={form} strategies={strategies} symbols={symbols} />
      <fieldset>
        <legend>Mode</legend>
        <div className="segmented" role="radiogroup" aria-label="Mode">
          {(['paper', 'live'] as const).map((m) => (
            <label key={m} className={form.values.mode === m ? 'active' : ''}>
              <input type="radio" name="mode" value={m} checked={form.values.mode === m} onChange={() => form.set('mode', m)} />
              {m === 'paper' ? 'Paper (simulated)' : 'Live (real orders)'}
            </label>
          ))}
        </div>
        {form.values.mode === 'live' ? (
          apiKeys.length ? (
            <SelectField
              form={form}
              name="api_key_id"
              label="Exchange API key"
              placeholder="Choose a key…"
              options={apiKeys.map((k) => ({ value: k.id, label: `${k.label} (…${k.api_key_last4 ?? ''}${k.testnet ? ', testnet' : ''})` }))}
            />
          ) : (
            <Field label="Exchange API key" error={form.errorFor('api_key_id')} hint="Add a key on the API keys page first.">
              {(a11y) => <input {...a11y} disabled value="No keys yet" />}
            </Field>
          )
        ) : null}
      </fieldset>
      <FormError error={createBot.error} inlineFields={Object.keys(form.values)} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={createBot.isPending}>
          {createBot.isPending ? 'Creating…' : 'Create bot'}
        </button>
      </div>
    </form>
  );
}
