import { useSearchParams } from 'react-router';
import { AuthLayout } from '@/components/layouts/auth-layout';
import { VerifyEmail } from '@/features/auth/components/email-links';

export default function VerifyRoute() {
  const [params] = useSearchParams();
  return (
    <AuthLayout title="Confirm your e-mail address">
      <VerifyEmail token={params.get('token')} />
    </AuthLayout>
  );
}
