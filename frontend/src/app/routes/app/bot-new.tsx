import { useMemo } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { PageHeader } from '@/components/layouts/app-layout';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { useApiKeys } from '@/features/api-keys/api/get-api-keys';
import { CreateBotForm } from '@/features/bots/components/create-bot-form';
import { useSymbols } from '@/features/market/api/get-symbols';
import { useStrategies } from '@/features/strategies/api/get-strategies';
import { parsePrefill } from '@/lib/bot-prefill';
import { strategyConfigValues } from '@/lib/strategy-config';
import type { Strategy } from '@/types/api';

/** The form's raw values for a prefill whose strategy the catalog still lists, else none. */
function prefillValues(search: URLSearchParams, strategies: Strategy[] | undefined) {
  const prefill = parsePrefill(search);
  const strategy = prefill && strategies?.find((s) => s.id === prefill.strategy);
  if (!prefill || !strategy) return null;
  return { prefill, values: { ...strategyConfigValues(strategy, prefill), ...(prefill.name ? { name: prefill.name } : {}) } };
}

export default function NewBotRoute() {
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const strategies = useStrategies();
  const symbols = useSymbols();
  const keys = useApiKeys();
  const pending = strategies.isPending || symbols.isPending;
  const failed = strategies.error ?? symbols.error;
  const fromBacktest = useMemo(() => prefillValues(search, strategies.data), [search, strategies.data]);
  return (
    <>
      <PageHeader title="New bot">Pick a strategy, tune it, and run it on paper or live.</PageHeader>
      {fromBacktest?.prefill.source ? (
        <p className="alert" role="status">
          Pre-filled from <Link to={paths.backtest(fromBacktest.prefill.source)}>a backtest</Link>: check the budget and the mode before you create it.
        </p>
      ) : null}
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
          initial={fromBacktest?.values}
        />
      )}
    </>
  );
}
