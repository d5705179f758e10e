import { Field, SelectField, TextField, type FormLike } from '@/components/form/field';

/** Field groups of the bot form, shared by the create and edit screens. */

export type ApiKeyOption = { id: string; label: string; api_key_last4?: string; testnet?: boolean };

export const apiKeyLabel = (k: ApiKeyOption) => `${k.label} (…${k.api_key_last4 ?? ''}${k.testnet ? ', testnet' : ''})`;

export const MODE_LABEL = { paper: 'Paper (simulated)', live: 'Live (real orders)' } as const;

export function BotBasicsFields({ form, quote, budgetHint = 'Quote amount the bot may spend' }: { form: FormLike; quote: string; budgetHint?: string }) {
  return (
    <fieldset>
      <legend>Bot</legend>
      <div className="grid-fields">
        <TextField form={form} name="name" label="Name" autoComplete="off" />
        <TextField form={form} name="budget" label={`Budget${quote ? ` (${quote})` : ''}`} inputMode="decimal" hint={budgetHint} />
      </div>
    </fieldset>
  );
}

export function ModeFields({ form, apiKeys }: { form: FormLike; apiKeys: ApiKeyOption[] }) {
  return (
    <fieldset>
      <legend>Mode</legend>
      <div className="segmented" role="radiogroup" aria-label="Mode">
        {(['paper', 'live'] as const).map((m) => (
          <label key={m} className={form.values.mode === m ? 'active' : ''}>
            <input type="radio" name="mode" value={m} checked={form.values.mode === m} onChange={() => form.set('mode', m)} />
            {MODE_LABEL[m]}
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
            options={apiKeys.map((k) => ({ value: k.id, label: apiKeyLabel(k) }))}
          />
        ) : (
          <Field label="Exchange API key" error={form.errorFor('api_key_id')} hint="Add a key on the API keys page first.">
            {(a11y) => <input {...a11y} disabled value="No keys yet" />}
          </Field>
        )
      ) : null}
    </fieldset>
  );
}
