import { z } from 'zod';
import { FormError, Notice } from '@/components/ui/alert';
import { TextField } from '@/components/form/field';
import { useFormState } from '@/lib/form';
import { useChangePassword } from '../api/update-user';

const passwords = {
  current_password: z.string().min(1, { error: 'Required' }),
  new_password: z.string().min(8, { error: 'At least 8 characters' }),
  confirm: z.string(),
};
const same = (v: { confirm: string; new_password: string }) => v.confirm === v.new_password;
const mismatch = { path: ['confirm'], error: 'Passwords do not match' };
const schema = z.object(passwords).refine(same, mismatch);
// With two-factor sign-in on, the server also wants a fresh code.
const schemaWithCode = z
  .object({ ...passwords, mfa_code: z.string().trim().regex(/^\d{6}$/, { error: 'Enter the 6 digits your app shows' }) })
  .refine(same, mismatch);

const EMPTY = { current_password: '', new_password: '', confirm: '', mfa_code: '' };

export function ChangePasswordForm({ mfaEnabled = false }: { mfaEnabled?: boolean }) {
  const form = useFormState<Record<string, unknown>>(EMPTY, mfaEnabled ? schemaWithCode : schema);
  const change = useChangePassword();
  const onSubmit = form.handleSubmit((data) => {
    const v = data as z.infer<typeof schemaWithCode>;
    const code = mfaEnabled ? { mfa_code: v.mfa_code } : {};
    change.mutate({ current_password: v.current_password, new_password: v.new_password, ...code }, { onError: form.applyServerError, onSuccess: () => form.reset(EMPTY) });
  });
  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Change password">
      <TextField form={form} name="current_password" label="Current password" type="password" autoComplete="current-password" />
      <TextField form={form} name="new_password" label="New password" type="password" autoComplete="new-password" />
      <TextField form={form} name="confirm" label="Repeat new password" type="password" autoComplete="new-password" />
      {mfaEnabled ? <TextField form={form} name="mfa_code" label="Authentication code" inputMode="numeric" autoComplete="one-time-code" /> : null}
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
