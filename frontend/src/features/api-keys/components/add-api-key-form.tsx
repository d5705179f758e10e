import { z } from 'zod';
import { FormError, Notice } from '@/components/ui/alert';
import { TextField } from '@/components/form/field';
import { useMfaEnabled } from '@/lib/auth';
import { useFormState } from '@/lib/form';
import { useCreateApiKey } from '../api/create-api-key';

const schema = z.object({
  label: z.string().trim().min(1, { error: 'Give the key a label' }).max(64, { error: 'At most 64 characters' }),
  api_key: z.string().trim().min(16, { error: 'That does not look like a Binance API key' }),
  api_secret: z.string().trim().min(16, { error: 'That does not look like a Binance secret key' }),
  testnet: z.boolean(),
});
// With two-factor sign-in on, the server also wants a fresh code.
const schemaWithCode = schema.extend({ mfa_code: z.string().trim().regex(/^\d{6}$/, { error: 'Enter the 6 digits your app shows' }) });

const EMPTY = { label: '', api_key: '', api_secret: '', testnet: false, mfa_code: '' };

export function AddApiKeyForm() {
  const mfaEnabled = useMfaEnabled();
  const form = useFormState<Record<string, unknown>>(EMPTY, mfaEnabled ? schemaWithCode : schema);
  const create = useCreateApiKey();

  const onSubmit = form.handleSubmit((data) => {
    const { mfa_code: code, ...key } = data as z.infer<typeof schemaWithCode>;
    create.mutate(mfaEnabled ? { ...key, mfa_code: code } : key, {
      onError: form.applyServerError,
      // The secret is never kept in the page once the server has it.
      onSuccess: () => form.reset(EMPTY),
    });
  });

  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Add API key">
      <div className="grid-fields">
        <TextField form={form} name="label" label="Label" autoComplete="off" />
        <TextField form={form} name="api_key" label="API key" autoComplete="off" spellCheck={false} />
        <TextField form={form} name="api_secret" label="Secret key" type="password" autoComplete="new-password" spellCheck={false} />
        {mfaEnabled ? <TextField form={form} name="mfa_code" label="Authentication code" inputMode="numeric" autoComplete="one-time-code" /> : null}
      </div>
      <div className="field field-check">
        <label>
          <input type="checkbox" name="testnet" checked={Boolean(form.values.testnet)} onChange={(e) => form.set('testnet', e.target.checked)} />
          Spot testnet key (testnet.binance.vision)
        </label>
      </div>
      <FormError error={create.error} inlineFields={Object.keys(EMPTY)} />
      {create.isSuccess ? <Notice tone="success">Key “{create.data.label}” added and verified.</Notice> : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? 'Checking with the exchange…' : 'Add key'}
        </button>
      </div>
    </form>
  );
}
