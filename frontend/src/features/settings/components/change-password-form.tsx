import { z } from 'zod';
import { FormError, Notice } from '@/components/ui/alert';
import { TextField } from '@/components/form/field';
import { useFormState } from '@/lib/form';
import { useChangePassword } from '../api/update-user';

const schema = z
  .object({
    current_password: z.string().min(1, { error: 'Required' }),
    new_password: z.string().min(8, { error: 'At least 8 characters' }),
    confirm: z.string(),
  })
  .refine((v) => v.confirm === v.new_password, { path: ['confirm'], error: 'Passwords do not match' });

const EMPTY = { current_password: '', new_password: '', confirm: '' };

export function ChangePasswordForm() {
  const form = useFormState<Record<string, unknown>>(EMPTY, schema);
  const change = useChangePassword();
  const onSubmit = form.handleSubmit((data) => {
    const v = data as z.infer<typeof schema>;
    change.mutate({ current_password: v.current_password, new_password: v.new_password }, { onError: form.applyServerError, onSuccess: () => form.reset(EMPTY) });
  });
  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Change password">
      <TextField form={form} name="current_password" label="Current password" type="password" autoComplete="current-password" />
      <TextField form={form} name="new_password" label="New password" type="password" autoComplete="new-password" />
      <TextField form={form} name="confirm" label="Repeat new password" type="password" autoComplete="new-password" />
      <FormError error={change.error} inlineFields={Object.keys(EMPTY)} />
      {change.isSuccess ? <Notice tone="success">Password changed.</Notice> : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={change.isPending}>
          Change password
        </button>
      </div>
    </form>
  );
}
