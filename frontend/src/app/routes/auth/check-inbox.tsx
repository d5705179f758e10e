import { useSearchParams } from 'react-router';
import { AuthLayout } from '@/components/layouts/auth-layout';
import { CheckInbox } from '@/features/auth/components/email-links';

export default function CheckInboxRoute() {
  const [params] = useSearchParams();
  return (
    <AuthLayout title="Check your inbox">
      <CheckInbox email={params.get('email')} />
    </AuthLayout>
  );
}
