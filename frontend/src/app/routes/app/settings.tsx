import { useNavigate } from 'react-router';
import { PageHeader } from '@/components/layouts/app-layout';
import { QueryState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { useBots } from '@/features/bots/api/get-bots';
import type { DeletionReport } from '@/features/settings/api/account';
import { ChangePasswordForm } from '@/features/settings/components/change-password-form';
import { DeleteAccountForm, type AccountDeletedState, type LivePosition } from '@/features/settings/components/delete-account-form';
import { ExportDataForm } from '@/features/settings/components/export-data-form';
import { SessionsList } from '@/features/settings/components/sessions-list';
import { TelegramSettingsPanel } from '@/features/settings/components/telegram-settings';
import { TwoFactorSettings } from '@/features/settings/components/two-factor';
import { WebhookForm } from '@/features/settings/components/webhook-form';
import { WebhookSecret } from '@/features/settings/components/webhook-secret';
import { formatDateTime } from '@/lib/format';
import { useSignOutLocally, useUser } from '@/lib/auth';

export default function SettingsRoute() {
  const user = useUser();
  const bots = useBots();
  const navigate = useNavigate();
  const signOutLocally = useSignOutLocally();
  const livePositions: LivePosition[] | undefined = bots.data
    ?.filter((b) => b.mode === 'live' && b.state?.in_position)
    .map((b) => ({ botId: b.id, botName: b.name, symbol: b.symbol, quantity: b.state?.quantity }));

  // Leave for the sign-in page first, then forget the session: signing out while still on a protected
  // page would redirect there without the report.
  const onDeleted = async (report: DeletionReport) => {
    const state: AccountDeletedState = { accountDeleted: report };
    await navigate(paths.login(), { replace: true, state });
    signOutLocally();
  };

  return (
    <>
      <PageHeader title="Settings" />
      <QueryState query={user}>
        {(u) => (
          <>
            <div className="two-col">
              <section className="card">
                <h2>Account</h2>
                <p>
                  {u?.email} <span className="muted">· since {formatDateTime(u?.created_at)}</span>
                </p>
                <h3>Change password</h3>
                <ChangePasswordForm mfaEnabled={Boolean(u?.mfa_enabled)} />
              </section>
              <section className="card">
                <h2>Notifications webhook</h2>
                <WebhookForm current={u?.webhook_url} allowHttp={u?.webhook_allows_http ?? false} />
                <WebhookSecret />
              </section>
            </div>
            <div className="two-col">
              <section className="card" aria-labelledby="mfa-heading">
                <h2 id="mfa-heading">Two-factor sign-in</h2>
                <TwoFactorSettings />
              </section>
              <section className="card" aria-labelledby="sessions-heading">
                <h2 id="sessions-heading">Sessions</h2>
                <SessionsList />
              </section>
            </div>
            <section className="card" aria-labelledby="telegram-heading">
              <h2 id="telegram-heading">Telegram and alert channels</h2>
              <TelegramSettingsPanel />
            </section>
            <div className="two-col">
              <section className="card" aria-labelledby="export-heading">
                <h2 id="export-heading">Export my data</h2>
                <ExportDataForm />
              </section>
              <section className="card card-danger" aria-labelledby="delete-heading">
                <h2 id="delete-heading">Delete account</h2>
                <DeleteAccountForm livePositions={livePositions} onDeleted={onDeleted} />
              </section>
            </div>
          </>
        )}
      </QueryState>
    </>
  );
}
