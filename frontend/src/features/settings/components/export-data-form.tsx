import { z } from 'zod';
import { Notice } from '@/components/ui/alert';
import { TextField } from '@/components/form/field';
import { useFormState } from '@/lib/form';
import { useExportAccount } from '../api/account';
import { passwordConfirmationError } from './password-confirmation';

const schema = z.object({ password: z.string().min(1, { error: 'Enter your password' }) });
const EMPTY = { password: '' };

/** "Export my data": the current password, then the browser downloads the zip. */
export function ExportDataForm() {
  const form = useFormState<Record<string, unknown>>(EMPTY, schema);
  const exporter = useExportAccount();
  const shown = passwordConfirmationError(exporter.error);
  const onSubmit = form.handleSubmit((data) => {
    exporter.mutate((data as z.infer<typeof schema>).password, {
      onSuccess: () => form.reset(EMPTY),
      onError: (error) => {
        const { fieldError } = passwordConfirmationError(error);
        if (fieldError) form.showFieldErrors({ password: fieldError });
        else form.applyServerError(error);
      },
    });
  });
  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Export my data">
      <p className="muted">
        A zip of JSON and CSV files: your account and settings, API key names (never their secrets), bots, trades,
        backtests and notifications.
      </p>
      <TextField
        form={form}
        name="password"
        label="Password"
        type="password"
        autoComplete="current-password"
        hint="Your current password, to confirm it is you."
      />
      {shown.message ? (
        <div className="alert alert-error" role="alert">
          <p>{shown.message}</p>
        </div>
      ) : null}
      {exporter.isSuccess ? <Notice tone="success">Your export was downloaded as {exporter.data.filename}.</Notice> : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={exporter.isPending}>
          {exporter.isPending ? 'Preparing the export…' : 'Export my data'}
        </button>
      </div>
    </form>
  );
}
