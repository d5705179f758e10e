import { Link, useNavigate } from 'react-router';
import { AuthLayout } from '@/components/layouts/auth-layout';
import { paths } from '@/config/paths';
import { RegisterForm } from '@/features/auth/components/register-form';

export default function RegisterRoute() {
  const navigate = useNavigate();
  return (
    <AuthLayout title="Create your account" pitch>
      <RegisterForm
        onSuccess={(user, email) => navigate(user ? paths.dashboard() : paths.checkInbox(email), { replace: true })}
      />
      <p className="muted">
        Already have an account? <Link to={paths.login()}>Sign in</Link>
      </p>
    </AuthLayout>
  );
}
