import { Link } from 'react-router';
import { usePresentation } from '@/app/presentation';
import { PageHeader } from '@/components/layouts/app-layout';
import { EmptyState, QueryState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { useBots } from '@/features/bots/api/get-bots';
import { DashboardView } from '@/features/dashboard/components/dashboard-view';
import { useDashboard } from '@/features/dashboard/api/get-dashboard';
import { unreadOf, useNotifications } from '@/features/notifications/api/get-notifications';
import { NotificationItems } from '@/features/notifications/components/notifications-list';

export default function DashboardRoute() {
  const dashboard = useDashboard();
  const notifications = useNotifications();
  const bots = useBots();
  const { precisions } = usePresentation();
  const botNames = Object.fromEntries((bots.data ?? []).map((b) => [b.id, b.name]));
  const unread = unreadOf(notifications.data?.pages);
  return (
    <>
      <PageHeader
        title="Dashboard"
        actions={
          <Link className="btn btn-primary" to={paths.newBot()}>
            New bot
          </Link>
        }
      />
      <QueryState query={dashboard} loadingLabel="Loading your dashboard…">
        {(data) => <DashboardView data={data} botNames={botNames} precisions={precisions} />}
      </QueryState>
      <section className="card">
        <h2>Unread notifications</h2>
        <QueryState query={notifications} isEmpty={() => unread.length === 0} empty={<EmptyState title="You are all caught up" />}>
          {() => (
            <>
              <NotificationItems items={unread.slice(0, 5)} botNames={botNames} />
              <Link to={paths.notifications()}>All notifications →</Link>
            </>
          )}
        </QueryState>
      </section>
    </>
  );
}
