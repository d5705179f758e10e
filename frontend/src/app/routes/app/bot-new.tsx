import { useNavigate } from 'react-router';
import { PageHeader } from '@/components/layouts/app-layout';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { useApiKeys } from '@/features/api-keys/api/get-api-keys';
import { CreateBotForm } from '@/features/bots/components/create-bot-form';
import { useSymbols } from '@/features/market/api/get-symbols';
import { useStrategies } from '@/features/strategies/api/get-strategies';

export default function NewBotRoute() {
  const navigate = useNavigate();
  const strategies = useStrategies();
  const symbols = useSymbols();
  const keys = useApiKeys();
  const pending = strategies.isPending || symbols.isPending;
  const failed = strategies.error ?? symbols.error;
  return (
    <>
      <PageHeader title="New bot">Pick a strategy, tune it, and run it on paper or live.</PageHeader>
      {pending ? (
        <LoadingState label="Loading strategies and markets…" />
      ) : failed ? (
        <ErrorState error={failed} onRetry={() => void Promise.all([strategies.refetch(), symbols.refetch()])} />
      ) : !strategies.data?.length ? (
        <EmptyState title="No strategies are available" />
      ) : (
        <CreateBotForm
          strategies={strategies.data}
          symbols={symbols.data ?? []}
          apiKeys={keys.data ?? []}
          onCreated={(bot) => navigate(paths.bot(bot.id))}
        />
      )}
    </>
  );
}
