import { PageHeader } from '@/components/layouts/app-layout';
import { NotificationsList } from '@/features/notifications/components/notifications-list';

export default function NotificationsRoute() {
  return (
    <>
      <PageHeader title="Notifications" />
      <NotificationsList />
    </>
  );
}
