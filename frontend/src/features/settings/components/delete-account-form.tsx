import { Link } from 'react-router';
import { z } from 'zod';
import { Notice } from '@/components/ui/alert';
import { TextField } from '@/components/form/field';
import { DELETED_TRADES_RETENTION_DAYS } from '@/config/constants';
import { paths } from '@/config/paths';
import { formatDecimal } from '@/lib/format';
import { useFormState } from '@/lib/form';
import { DELETE_CONFIRMATION, useDeleteAccount, type DeletionReport } from '../api/account';
import { passwordConfirmationError } from './password-confirmation';

/** A live bot holding a position now: it stays open on the exchange after the deletion. */
export type LivePosition = { botId: string; botName: string; symbol: string; quantity: string | null | undefined };

const schema = z.object({
  password: z.string().min(1, { error: 'Enter your password' }),
  confirm: z.string().refine((v) => v === DELETE_CONFIRMATION, { error: `Type ${DELETE_CONFIRMATION} in capital letters` }),
});
const EMPTY = { password: '', confirm: '' };

/**
 * The danger zone: what goes and what stays, the live positions that will stay open, then the password
 * and the word DELETE. `onDeleted` gets the server's report (sign out and leave from there).
 */
export function DeleteAccountForm({
  livePositions,
  onDeleted,
}: {
  /** Live bots in a position now; undefined while unknown. */
  livePositions?: LivePosition[];
  onDeleted: (report: DeletionReport) => void | Promise<void>;
}) {
  const form = useFormState<Record<string, unknown>>(EMPTY, schema);
  const remove = useDeleteAccount();
  const shown = passwordConfirmationError(remove.error);
  const confirmed = form.values.confirm === DELETE_CONFIRMATION;
  const onSubmit = form.handleSubmit((data) => {
    remove.mutate(data as z.infer<typeof schema>, {
      onSuccess: (report) => void onDeleted(report),
      onError: (error) => {
        const { fieldError } = passwordConfirmationError(error);
        if (fieldError) form.showFieldErrors({ password: fieldError });
        else form.applyServerError(error);
      },
    });
  });
  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Delete account">
      <p>
        <strong>This cannot be undone.</strong> Your account is deleted at once and you are signed out everywhere.
        Export your data first if you want a copy.
      </p>
      <div>
        <h3>Deleted</h3>
        <ul>
          <li>Your sign-in, settings and notifications webhook.</li>
          <li>Your bots: running bots stop trading.</li>
          <li>
            Your exchange API keys as stored here. The keys stay valid at the exchange: revoke them there if you no
            longer use them.
          </li>
          <li>Backtests, notifications and paper trades.</li>
        </ul>
        <h3>Kept</h3>
        <ul>
          <li>
            Live trades are kept for {DELETED_TRADES_RETENTION_DAYS} days for audit and tax questions, out of reach of
            any account, then deleted.
          </li>
          <li>
            Live positions are <strong>not closed</strong>: what a live bot bought stays in your own exchange account.
            To sell first, open each live bot and use “Stop and close position”.
          </li>
        </ul>
      </div>
      <LivePositionsWarning positions={livePositions} />
      <TextField
        form={form}
        name="password"
        label="Password"
        type="password"
        autoComplete="current-password"
        hint="Your current password, to confirm it is you."
      />
      <TextField
        form={form}
        name="confirm"
        label={`Type ${DELETE_CONFIRMATION} to confirm`}
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        hint="The button is enabled once the word is typed exactly."
      />
      {shown.message ? (
        <div className="alert alert-error" role="alert">
          <p>{shown.message}</p>
        </div>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-danger" disabled={!confirmed || remove.isPending}>
          {remove.isPending ? 'Deleting your account…' : 'Delete my account permanently'}
        </button>
      </div>
    </form>
  );
}

function LivePositionsWarning({ positions }: { positions?: LivePosition[] }) {
  if (!positions || positions.length === 0) return null;
  return (
    <Notice tone="warn">
      <p>
        {positions.length === 1 ? 'This live bot holds a position' : `These ${positions.length} live bots hold positions`}{' '}
        that will stay open on the exchange:
      </p>
      <ul>
        {positions.map((p) => (
          <li key={p.botId}>
            <Link to={paths.bot(p.botId)}>{p.botName}</Link>: {p.quantity ? `${formatDecimal(p.quantity)} ` : ''}
            {p.symbol}
          </li>
        ))}
      </ul>
    </Notice>
  );
}

/** After the deletion (on the sign-in page): what was done, what was kept, and what is still open on the exchange. */
export function AccountDeletedNotice({ report }: { report: DeletionReport }) {
  const positions = report.positions_left ?? [];
  return (
    <Notice tone={positions.length > 0 ? 'warn' : 'success'}>
      <p>
        <strong>Your account was deleted.</strong> You have been signed out.
      </p>
      {report.trades_retained > 0 ? (
        <p>
          {report.trades_retained === 1 ? '1 live trade is' : `${report.trades_retained} live trades are`} kept for audit
          {report.trades_retained_until ? ` until ${report.trades_retained_until.slice(0, 10)}` : ''}, then deleted.
        </p>
      ) : null}
      {positions.length > 0 ? (
        <>
          <p>
            {positions.length === 1 ? 'This position was' : 'These positions were'} left open in your own exchange
            account; close {positions.length === 1 ? 'it' : 'them'} on the exchange:
          </p>
          <ul aria-label="Positions left open">
            {positions.map((p) => (
              <li key={`${p.bot_id}:${p.symbol}`}>
                {formatDecimal(p.quantity)} {p.symbol} <span className="muted">(bot {p.bot_id})</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </Notice>
  );
}

/** The router state the sign-in page reads to show `AccountDeletedNotice`. */
export type AccountDeletedState = { accountDeleted: DeletionReport };

export function readAccountDeletedState(state: unknown): DeletionReport | null {
  const report = (state as Partial<AccountDeletedState> | null)?.accountDeleted;
  return report && typeof report === 'object' && Array.isArray(report.positions_left) ? report : null;
}
