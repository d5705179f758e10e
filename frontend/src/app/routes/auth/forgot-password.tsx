import { Link, useNavigate } from 'react-router';
import { AuthLayout } from '@/components/layouts/auth-layout';
import { paths } from '@/config/paths';
import { ForgotPasswordForm } from '@/features/auth/components/email-links';

export default function ForgotPasswordRoute() {
  const navigate = useNavigate();
  return (
    <AuthLayout title="Forgot your password?">
      <p className="muted">We e-mail you a link that sets a new password. It works once, within 30 minutes.</p>
      <ForgotPasswordForm onSent={(email) => navigate(paths.checkInbox(email))} />
      <p className="muted">
        <Link to={paths.login()}>Back to sign in</Link>
      </p>
    </AuthLayout>
  );
}
