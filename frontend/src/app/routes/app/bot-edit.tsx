import { useNavigate, useParams } from 'react-router';
import { PageHeader } from '@/components/layouts/app-layout';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { useApiKeys } from '@/features/api-keys/api/get-api-keys';
import { useBot } from '@/features/bots/api/get-bot';
import { EditBotForm } from '@/features/bots/components/edit-bot-form';
import { useSymbols } from '@/features/market/api/get-symbols';
import { useStrategies } from '@/features/strategies/api/get-strategies';

export default function EditBotRoute() {
  const { botId = '' } = useParams();
  const navigate = useNavigate();
  const bot = useBot(botId);
  const strategies = useStrategies();
  const symbols = useSymbols();
  const keys = useApiKeys();
  const pending = bot.isPending || strategies.isPending || symbols.isPending;
  const failed = bot.error ?? strategies.error ?? symbols.error;
  return (
    <>
      <PageHeader title={bot.data ? `Edit ${bot.data.name}` : 'Edit bot'}>
        {bot.data && (bot.data.status === 'running' || bot.data.status === 'paused')
          ? 'Change its name, budget and risk rules while it trades.'
          : 'Change any part of its configuration; it applies when you start the bot.'}
      </PageHeader>
      {pending ? (
        <LoadingState label="Loading the bot, strategies and markets…" />
      ) : failed ? (
        <ErrorState error={failed} onRetry={() => void Promise.all([bot.refetch(), strategies.refetch(), symbols.refetch()])} />
      ) : !bot.data ? (
        <EmptyState title="This bot does not exist" />
      ) : (
        <EditBotForm
          bot={bot.data}
          strategies={strategies.data ?? []}
          symbols={symbols.data ?? []}
          apiKeys={keys.data ?? []}
          onSaved={(saved) => navigate(paths.bot(saved.id))}
        />
      )}
    </>
  );
}
