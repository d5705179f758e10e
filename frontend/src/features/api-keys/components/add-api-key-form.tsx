import { z } from 'zod';
import { FormError, Notice } from '@/components/ui/alert';
import { TextField } from '@/components/form/field';
import { useFormState } from '@/lib/form';
import { useCreateApiKey } from '../api/create-api-key';

const schema = z.object({
  label: z.string().trim().min(1, { error: 'Give the key a label' }).max(64, { error: 'At most 64 characters' }),
  api_key: z.string().trim().min(16, { error: 'That does not look like a Binance API key' }),
  api_secret: z.string().trim().min(16, { error: 'That does not look like a Binance secret key' }),
  testnet: z.boolean(),
});

const EMPTY = { label: '', api_key: '', api_secret: '', testnet: false };

export function AddApiKeyForm() {
  const form = useFormState<Record<string, unknown>>(EMPTY, schema);
  const create = useCreateApiKey();

  const onSubmit = form.handleSubmit((data) => {
    create.mutate(data as z.infer<typeof schema>, {
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
