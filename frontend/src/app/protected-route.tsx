import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { ErrorState, LoadingState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { useUser } from '@/lib/auth';

export function ProtectedRoute({ children }: { children: ReactNode }) {
  const user = useUser();
  const location = useLocation();
  if (user.isPending) return <LoadingState label="Restoring your session…" />;
  if (user.isError) return <ErrorState error={user.error} onRetry={() => void user.refetch()} />;
  if (!user.data) return <Navigate to={paths.login(location.pathname + location.search)} replace />;
  return <>{children}</>;
}
