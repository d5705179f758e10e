import { useState } from 'react';
import { z } from 'zod';
import { FormError } from '@/components/ui/alert';
import { TextField } from '@/components/form/field';
import { isMfaChallenge, useLogin, type MfaChallenge, type User } from '@/lib/auth';
import { useFormState } from '@/lib/form';
import { MfaCodeStep } from './mfa-code-step';

const schema = z.object({
  email: z.string().trim().pipe(z.email({ error: 'Enter a valid email address' })),
  password: z.string().min(1, { error: 'Enter your password' }),
});

export function LoginForm({ onSuccess }: { onSuccess: (user: User) => void }) {
  const form = useFormState<Record<string, unknown>>({ email: '', password: '' }, schema);
  const login = useLogin();
  // Set when the password was right and the account asks for a second factor.
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const onSubmit = form.handleSubmit((data) =>
    login.mutate(data as z.infer<typeof schema>, {
      onSuccess: (result) => (isMfaChallenge(result) ? setChallenge(result) : onSuccess(result)),
      onError: form.applyServerError,
    }),
  );
  if (challenge) {
    const restart = () => {
      setChallenge(null);
      login.reset();
      form.reset({ email: form.values.email, password: '' });
    };
    return <MfaCodeStep challenge={challenge} onSuccess={onSuccess} onRestart={restart} />;
  }
  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Sign in">
      <TextField form={form} name="email" label="Email" type="email" autoComplete="username" />
      <TextField form={form} name="password" label="Password" type="password" autoComplete="current-password" />
      <FormError error={login.error} inlineFields={['email', 'password']} />
      <button type="submit" className="btn btn-primary btn-block" disabled={login.isPending}>
        {login.isPending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
