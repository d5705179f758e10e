import { PageHeader } from '@/components/layouts/app-layout';
import { QueryState } from '@/components/ui/states';
import { ChangePasswordForm } from '@/features/settings/components/change-password-form';
import { WebhookForm } from '@/features/settings/components/webhook-form';
import { WebhookSecret } from '@/features/settings/components/webhook-secret';
import { formatDateTime } from '@/lib/format';
import { useUser } from '@/lib/auth';

export default function SettingsRoute() {
  const user = useUser();
  return (
    <>
      <PageHeader title="Settings" />
      <QueryState query={user}>
        {(u) => (
          <div className="two-col">
            <section className="card">
              <h2>Account</h2>
              <p>
                {u?.email} <span className="muted">· since {formatDateTime(u?.created_at)}</span>
              </p>
              <h3>Change password</h3>
              <ChangePasswordForm />
            </section>
            <section className="card">
              <h2>Notifications webhook</h2>
              <WebhookForm current={u?.webhook_url} />
              <WebhookSecret />
            </section>
          </div>
        )}
      </QueryState>
    </>
  );
}
