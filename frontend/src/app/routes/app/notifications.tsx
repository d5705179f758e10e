import { PageHeader } from '@/components/layouts/app-layout';
import { useBots } from '@/features/bots/api/get-bots';
import { NotificationsList } from '@/features/notifications/components/notifications-list';

export default function NotificationsRoute() {
  const bots = useBots();
  const botNames = Object.fromEntries((bots.data ?? []).map((b) => [b.id, b.name]));
  return (
    <>
      <PageHeader title="Notifications" />
      <NotificationsList botNames={botNames} />
    </>
  );
}
