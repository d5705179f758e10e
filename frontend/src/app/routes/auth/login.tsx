import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';
import { AuthLayout } from '@/components/layouts/auth-layout';
import { paths } from '@/config/paths';
import { LoginForm } from '@/features/auth/components/login-form';
import { AccountDeletedNotice, readAccountDeletedState } from '@/features/settings/components/delete-account-form';

/** Only same-app paths are honoured as a redirect target. */
export const safeRedirect = (to: string | null) => (to && to.startsWith('/') && !to.startsWith('//') ? to : paths.dashboard());

export default function LoginRoute() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const redirectTo = params.get('redirectTo');
  // Set by Settings after the account was deleted.
  const deleted = readAccountDeletedState(useLocation().state);
  return (
    <AuthLayout title="Sign in" pitch>
      {deleted ? <AccountDeletedNotice report={deleted} /> : null}
      <LoginForm onSuccess={() => navigate(safeRedirect(redirectTo), { replace: true })} />
      <p className="muted">
        New here? <Link to={paths.register()}>Create an account</Link>
      </p>
      <p className="muted">
        <Link to={paths.forgotPassword()}>Forgot your password?</Link>
      </p>
    </AuthLayout>
  );
}
