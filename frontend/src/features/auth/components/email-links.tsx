import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { z } from 'zod';
import { FormError, Notice } from '@/components/ui/alert';
import { TextField } from '@/components/form/field';
import { paths } from '@/config/paths';
import { useForgotPassword, useResendVerification, useResetPassword, useVerifyEmail } from '@/lib/auth';
import { useFormState } from '@/lib/form';

const emailSchema = z.object({ email: z.string().trim().pipe(z.email({ error: 'Enter a valid email address' })) });

/** After sign-up or "forgot password": the link is in the mail; offers to send the verification again. */
export function CheckInbox({ email }: { email: string | null }) {
  const resend = useResendVerification();
  return (
    <div className="stack">
      <p>
        If {email ? <strong>{email}</strong> : 'the address'} can receive it, an e-mail with a link is on its way. Open
        the link in it to continue; it works once.
      </p>
      {email && (
        <button type="button" className="btn" disabled={resend.isPending || resend.isSuccess} onClick={() => resend.mutate(email)}>
          {resend.isSuccess ? 'Sent again' : 'Send the verification link again'}
        </button>
      )}
      <FormError error={resend.error} />
      <p className="muted">
        <Link to={paths.login()}>Back to sign in</Link>
      </p>
    </div>
  );
}

export function ForgotPasswordForm({ onSent }: { onSent: (email: string) => void }) {
  const form = useFormState<Record<string, unknown>>({ email: '' }, emailSchema);
  const forgot = useForgotPassword();
  const onSubmit = form.handleSubmit((data) => {
    const { email } = data as z.infer<typeof emailSchema>;
    forgot.mutate(email, { onSuccess: () => onSent(email), onError: form.applyServerError });
  });
  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Forgot password">
      <TextField form={form} name="email" label="Email" type="email" autoComplete="username" />
      <FormError error={forgot.error} inlineFields={['email']} />
      <button type="submit" className="btn btn-primary btn-block" disabled={forgot.isPending}>
        {forgot.isPending ? 'Sending…' : 'Send a reset link'}
      </button>
    </form>
  );
}

/** /verify?token=…: sends the token once, then says whether the address is confirmed. */
export function VerifyEmail({ token }: { token: string | null }) {
  const verify = useVerifyEmail();
  const sent = useRef(false);
  useEffect(() => {
    if (token && !sent.current) {
      sent.current = true;
      verify.mutate(token);
    }
  }, [token, verify]);
  if (!token) return <Notice tone="warn">This link has no token; open the link from the e-mail again.</Notice>;
  if (verify.isSuccess) {
    return (
      <div className="stack">
        <Notice tone="success">Your e-mail address {verify.data.email} is confirmed.</Notice>
        <Link to={paths.dashboard()}>Continue</Link>
      </div>
    );
  }
  if (verify.isError) {
    return (
      <div className="stack">
        <FormError error={verify.error} />
        <p className="muted">
          Signed in? Ask for a new link from <Link to={paths.checkInbox()}>the inbox page</Link>.
        </p>
      </div>
    );
  }
  return <p role="status">Confirming your e-mail address…</p>;
}

const resetSchema = z
  .object({
    new_password: z.string().min(10, { error: 'At least 10 characters' }).max(128, { error: 'At most 128 characters' }),
    confirm: z.string(),
  })
  .refine((v) => v.confirm === v.new_password, { path: ['confirm'], error: 'Passwords do not match' });

/** /reset?token=…: a new password; every session ends, so the user signs in again afterwards. */
export function ResetPasswordForm({ token }: { token: string | null }) {
  const form = useFormState<Record<string, unknown>>({ new_password: '', confirm: '' }, resetSchema);
  const reset = useResetPassword();
  const [done, setDone] = useState(false);
  const onSubmit = form.handleSubmit((data) => {
    const { new_password } = data as z.infer<typeof resetSchema>;
    reset.mutate({ token: token ?? '', new_password }, { onSuccess: () => setDone(true), onError: form.applyServerError });
  });
  if (!token) return <Notice tone="warn">This link has no token; ask for a new one.</Notice>;
  if (done) {
    return (
      <div className="stack">
        <Notice tone="success">Your password was changed and every session was signed out.</Notice>
        <Link to={paths.login()}>Sign in with the new password</Link>
      </div>
    );
  }
  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Reset password">
      <TextField form={form} name="new_password" label="New password" type="password" autoComplete="new-password" hint="At least 10 characters" />
      <TextField form={form} name="confirm" label="Repeat new password" type="password" autoComplete="new-password" />
      <FormError error={reset.error} inlineFields={['new_password', 'confirm']} />
      <button type="submit" className="btn btn-primary btn-block" disabled={reset.isPending}>
        {reset.isPending ? 'Saving…' : 'Set the new password'}
      </button>
      <p className="muted">
        Link expired? <Link to={paths.forgotPassword()}>Ask for a new one</Link>
      </p>
    </form>
  );
}
