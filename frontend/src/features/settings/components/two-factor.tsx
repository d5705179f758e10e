import { useState } from 'react';
import { z } from 'zod';
import { FormError, Notice } from '@/components/ui/alert';
import { TextField } from '@/components/form/field';
import { QueryState } from '@/components/ui/states';
import { useFormState } from '@/lib/form';
import { useConfirmMfa, useDisableMfa, useEnrolMfa, useMfaStatus, type Enrolment } from '../api/mfa';
import { passwordConfirmationError } from './password-confirmation';

const CODE = z.string().trim().regex(/^\d{6}$/, { error: 'Enter the 6 digits your app shows' });

/** Settings › Two-factor sign-in: turn it on (password, QR code, first code), see the recovery codes once, turn it off. */
export function TwoFactorSettings() {
  const status = useMfaStatus();
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  if (recoveryCodes) return <RecoveryCodes codes={recoveryCodes} onDone={() => setRecoveryCodes(null)} />;
  if (enrolment) {
    const confirmed = (codes: string[]) => {
      setEnrolment(null);
      setRecoveryCodes(codes);
    };
    return <ConfirmEnrolment enrolment={enrolment} onConfirmed={confirmed} onCancel={() => setEnrolment(null)} />;
  }
  return (
    <QueryState query={status}>
      {(s) => (s?.enabled ? <DisableTwoFactor codesLeft={s.recovery_codes_left} /> : <EnableTwoFactor onEnrolled={setEnrolment} />)}
    </QueryState>
  );
}

function EnableTwoFactor({ onEnrolled }: { onEnrolled: (enrolment: Enrolment) => void }) {
  const form = useFormState<Record<string, unknown>>({ password: '' }, z.object({ password: z.string().min(1, { error: 'Enter your password' }) }));
  const enrol = useEnrolMfa();
  const shown = passwordConfirmationError(enrol.error);
  const onSubmit = form.handleSubmit((data) =>
    enrol.mutate((data as { password: string }).password, {
      onSuccess: onEnrolled,
      onError: (error) => {
        const { fieldError } = passwordConfirmationError(error);
        if (fieldError) form.showFieldErrors({ password: fieldError });
      },
    }),
  );
  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Turn on two-factor sign-in">
      <p className="muted">Sign-in, password changes, new API keys and live trading will also ask for a code from an authenticator app.</p>
      <TextField form={form} name="password" label="Password" type="password" autoComplete="current-password" hint="Your current password, to confirm it is you." />
      {shown.message ? (
        <div className="alert alert-error" role="alert">
          <p>{shown.message}</p>
        </div>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={enrol.isPending}>
          Turn on two-factor sign-in
        </button>
      </div>
    </form>
  );
}

function ConfirmEnrolment({ enrolment, onConfirmed, onCancel }: { enrolment: Enrolment; onConfirmed: (codes: string[]) => void; onCancel: () => void }) {
  const form = useFormState<Record<string, unknown>>({ code: '' }, z.object({ code: CODE }));
  const confirm = useConfirmMfa();
  const onSubmit = form.handleSubmit((data) =>
    confirm.mutate((data as { code: string }).code.trim(), { onSuccess: (answer) => onConfirmed(answer.recovery_codes), onError: form.applyServerError }),
  );
  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Confirm two-factor sign-in">
      <p>Scan this code with your authenticator app, then enter the 6 digits it shows.</p>
      <img className="qr" src={enrolment.qr_svg} alt="QR code of your two-factor secret" width={200} height={200} />
      <p className="muted">
        Cannot scan? Type this key: <code data-testid="mfa-secret">{enrolment.secret}</code>
      </p>
      <TextField form={form} name="code" label="Authentication code" inputMode="numeric" autoComplete="one-time-code" />
      <FormError error={confirm.error} inlineFields={['code']} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={confirm.isPending}>
          Confirm
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <section aria-label="Recovery codes">
      <Notice tone="success">Two-factor sign-in is on.</Notice>
      <p>
        Save these recovery codes somewhere safe. Each signs you in once if you lose your phone. <strong>They are shown only now.</strong>
      </p>
      <ul className="recovery-codes mono">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <div className="form-actions">
        <button type="button" className="btn btn-primary" onClick={onDone}>
          I saved them
        </button>
      </div>
    </section>
  );
}

function DisableTwoFactor({ codesLeft }: { codesLeft: number }) {
  const [recovery, setRecovery] = useState(false);
  const field = recovery ? 'recovery_code' : 'code';
  const schema = recovery ? z.object({ recovery_code: z.string().trim().min(16, { error: 'Enter a recovery code' }) }) : z.object({ code: CODE });
  const form = useFormState<Record<string, unknown>>({ code: '', recovery_code: '' }, schema);
  const disable = useDisableMfa();
  const onSubmit = form.handleSubmit((data) => {
    const value = String((data as Record<string, string>)[field]).trim();
    disable.mutate(recovery ? { recovery_code: value } : { code: value }, { onError: form.applyServerError });
  });
  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Turn off two-factor sign-in">
      <Notice tone="success">
        Two-factor sign-in is on. {codesLeft} recovery code{codesLeft === 1 ? '' : 's'} left.
      </Notice>
      {recovery ? (
        <TextField form={form} name="recovery_code" label="Recovery code" autoComplete="off" />
      ) : (
        <TextField form={form} name="code" label="Authentication code" inputMode="numeric" autoComplete="one-time-code" />
      )}
      <FormError error={disable.error} inlineFields={['code', 'recovery_code']} />
      <div className="form-actions">
        <button type="submit" className="btn btn-danger" disabled={disable.isPending}>
          Turn off two-factor sign-in
        </button>
        <button type="button" className="btn btn-ghost" onClick={() => setRecovery((r) => !r)}>
          {recovery ? 'Use a code from the app' : 'Use a recovery code'}
        </button>
      </div>
    </form>
  );
}
