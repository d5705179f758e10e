import { z } from 'zod';
import { FormError, Notice } from '@/components/ui/alert';
import { TextField } from '@/components/form/field';
import { useFormState } from '@/lib/form';
import { useUpdateSettings } from '../api/update-user';

const schema = z.object({
  webhook_url: z
    .string()
    .trim()
    .refine((s) => s === '' || /^https?:\/\/[^\s]+$/i.test(s), { error: 'A URL starting with https://' }),
});

export function WebhookForm({ current }: { current?: string | null }) {
  const form = useFormState<Record<string, unknown>>({ webhook_url: current ?? '' }, schema);
  const update = useUpdateSettings();
  const onSubmit = form.handleSubmit((data) => {
    const url = (data as z.infer<typeof schema>).webhook_url;
    update.mutate({ webhook_url: url || null }, { onError: form.applyServerError });
  });
  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Webhook">
      <TextField
        form={form}
        name="webhook_url"
        label="Webhook URL"
        type="url"
        placeholder="https://example.com/hooks/tradebot"
        hint="Trade, stop-loss and error notifications are POSTed here, HMAC-signed. Leave empty to turn off."
      />
      <FormError error={update.error} inlineFields={['webhook_url']} />
      {update.isSuccess ? <Notice tone="success">Saved.</Notice> : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={update.isPending}>
          Save
        </button>
      </div>
    </form>
  );
}
