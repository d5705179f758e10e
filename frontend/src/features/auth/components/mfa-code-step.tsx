import { useState } from 'react';
import { z } from 'zod';
import { TextField } from '@/components/form/field';
import { ApiError, errorMessage } from '@/lib/api-error';
import { useCompleteMfaLogin, type MfaChallenge, type User } from '@/lib/auth';
import { useFormState } from '@/lib/form';
import { formatWait } from '@/lib/format';

const codeSchema = z.object({ code: z.string().trim().regex(/^\d{6}$/, { error: 'Enter the 6 digits your app shows' }) });
const recoverySchema = z.object({
  recovery_code: z.string().trim().min(16, { error: 'Enter one of your recovery codes' }).max(40),
});

/** What went wrong, in words: a wrong code goes on the field, an expired step sends the user back. */
function refusal(error: unknown): { field?: string; message?: string; restart?: boolean } {
  if (!(error instanceof ApiError)) return error ? { message: errorMessage(error) } : {};
  if (error.code === 'invalid_mfa_code') return { field: 'Wrong or already used code. Try the next one.' };
  if (error.code === 'invalid_mfa_token') return { message: 'This sign-in step expired. Sign in again.', restart: true };
  if (error.status === 429) {
    const wait = error.retryAfter != null ? `Wait ${formatWait(error.retryAfter)}` : 'Wait a while';
    return { message: `Too many wrong codes. ${wait} and try again.` };
  }
  return { message: errorMessage(error) };
}

/** The second step of sign-in when two-factor sign-in is on: a code from the app, or a recovery code. */
export function MfaCodeStep({ challenge, onSuccess, onRestart }: { challenge: MfaChallenge; onSuccess: (user: User) => void; onRestart: () => void }) {
  const [recovery, setRecovery] = useState(false);
  const field = recovery ? 'recovery_code' : 'code';
  const form = useFormState<Record<string, unknown>>({ code: '', recovery_code: '' }, recovery ? recoverySchema : codeSchema);
  const complete = useCompleteMfaLogin();
  const shown = refusal(complete.error);
  const onSubmit = form.handleSubmit((data) => {
    const value = String((data as Record<string, string>)[field]).trim();
    const factor = recovery ? { recovery_code: value } : { code: value };
    complete.mutate(
      { mfa_token: challenge.mfa_token, ...factor },
      {
        onSuccess,
        onError: (error) => {
          const { field: message } = refusal(error);
          if (message) form.showFieldErrors({ [field]: message });
        },
      },
    );
  });
  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Two-factor code">
      {recovery ? (
        <TextField form={form} name="recovery_code" label="Recovery code" autoComplete="off" hint="Each recovery code works once." />
      ) : (
        <TextField form={form} name="code" label="Authentication code" inputMode="numeric" autoComplete="one-time-code" hint="The 6-digit code from your authenticator app." />
      )}
      {shown.message ? (
        <div className="alert alert-error" role="alert">
          <p>{shown.message}</p>
        </div>
      ) : null}
      <button type="submit" className="btn btn-primary btn-block" disabled={complete.isPending}>
        {complete.isPending ? 'Checking…' : 'Verify'}
      </button>
      <div className="form-actions">
        <button type="button" className="btn btn-ghost" onClick={() => setRecovery((r) => !r)}>
          {recovery ? 'Use a code from the app' : 'Use a recovery code instead'}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onRestart}>
          {shown.restart ? 'Sign in again' : 'Back'}
        </button>
      </div>
    </form>
  );
}
