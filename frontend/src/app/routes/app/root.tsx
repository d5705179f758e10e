import { Suspense } from 'react';
import { Outlet, useNavigate } from 'react-router';
import { AppLayout } from '@/components/layouts/app-layout';
import { LoadingState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { unreadOf, useNotifications } from '@/features/notifications/api/get-notifications';
import { useLogout, useUser } from '@/lib/auth';

export default function AppRoot() {
  const user = useUser();
  const notifications = useNotifications();
  const logout = useLogout();
  const navigate = useNavigate();
  return (
    <AppLayout
      email={user.data?.email ?? ''}
      unread={unreadOf(notifications.data?.pages).length}
      signingOut={logout.isPending}
      onSignOut={() => logout.mutate(undefined, { onSettled: () => navigate(paths.login(), { replace: true }) })}
    >
      <Suspense fallback={<LoadingState />}>
        <Outlet />
      </Suspense>
    </AppLayout>
  );
}
