import { z } from 'zod';
import { FormError } from '@/components/ui/alert';
import { TextField } from '@/components/form/field';
import { useRegister, type User } from '@/lib/auth';
import { useFormState } from '@/lib/form';

const schema = z
  .object({
    email: z.string().trim().pipe(z.email({ error: 'Enter a valid email address' })),
    password: z.string().min(8, { error: 'At least 8 characters' }).max(128, { error: 'At most 128 characters' }),
    confirm: z.string(),
  })
  .refine((v) => v.confirm === v.password, { path: ['confirm'], error: 'Passwords do not match' });

export function RegisterForm({ onSuccess }: { onSuccess: (user: User | null, email: string) => void }) {
  const form = useFormState<Record<string, unknown>>({ email: '', password: '', confirm: '' }, schema);
  const register = useRegister();
  const onSubmit = form.handleSubmit((data) => {
    const { email, password } = data as z.infer<typeof schema>;
    register.mutate({ email, password }, { onSuccess: (user) => onSuccess(user, email), onError: form.applyServerError });
  });
  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Create account">
      <TextField form={form} name="email" label="Email" type="email" autoComplete="email" />
      <TextField form={form} name="password" label="Password" type="password" autoComplete="new-password" hint="At least 8 characters" />
      <TextField form={form} name="confirm" label="Repeat password" type="password" autoComplete="new-password" />
      <FormError error={register.error} inlineFields={['email', 'password', 'confirm']} />
      <button type="submit" className="btn btn-primary btn-block" disabled={register.isPending}>
        {register.isPending ? 'Creating account…' : 'Create account'}
      </button>
    </form>
  );
}
