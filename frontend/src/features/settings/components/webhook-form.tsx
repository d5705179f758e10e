import { z } from 'zod';
import { FormError, Notice } from '@/components/ui/alert';
import { TextField } from '@/components/form/field';
import { useFormState } from '@/lib/form';
import { useUpdateSettings } from '../api/update-user';

/** The server's rule: https:// only, except in local mode where http:// (a receiver on this machine) is fine. */
export const webhookSchema = (allowHttp: boolean) =>
  z.object({
    webhook_url: z
      .string()
      .trim()
      .refine((s) => s === '' || (allowHttp ? /^https?:\/\/[^\s]+$/i : /^https:\/\/[^\s]+$/i).test(s), {
        error: allowHttp ? 'A URL starting with https:// or http://' : 'A URL starting with https://',
      }),
  });

type Props = { current?: string | null; allowHttp?: boolean };

export function WebhookForm({ current, allowHttp = false }: Props) {
  const schema = webhookSchema(allowHttp);
  const form = useFormState<Record<string, unknown>>({ webhook_url: current ?? '' }, schema);
  const update = useUpdateSettings();
  const onSubmit = form.handleSubmit((data) => {
    const url = (data as z.infer<ReturnType<typeof webhookSchema>>).webhook_url;
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
        hint={
          allowHttp
            ? 'Trade, stop-loss and error notifications are POSTed here, HMAC-signed. This server runs in local mode, so http:// is accepted as well as https://. Leave empty to turn off.'
            : 'Trade, stop-loss and error notifications are POSTed here, HMAC-signed. The URL must start with https://. Leave empty to turn off.'
        }
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
