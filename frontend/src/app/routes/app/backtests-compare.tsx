import { useQueries } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { usePresentation } from '@/app/presentation';
import { PageHeader } from '@/components/layouts/app-layout';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { backtestQueryOptions } from '@/features/backtests/api/get-backtest';
import { BacktestCompare } from '@/features/backtests/components/backtest-compare';
import type { Backtest } from '@/features/backtests/types';

const MAX_RUNS = 6;

type Combined = { runs: Backtest[]; pending: boolean; error: Error | null };

// Module-level so that useQueries keeps the combined result's identity while the data is unchanged.
const combine = (results: Array<{ data?: Backtest; isPending: boolean; error: Error | null }>): Combined => ({
  runs: results.flatMap((r) => (r.data ? [r.data] : [])),
  pending: results.some((r) => r.isPending),
  error: results.find((r) => r.error)?.error ?? null,
});

export default function BacktestsCompareRoute() {
  const [search] = useSearchParams();
  const ids = [...new Set((search.get('ids') ?? '').split(',').filter(Boolean))].slice(0, MAX_RUNS);
  const { runs, pending, error } = useQueries({ queries: ids.map(backtestQueryOptions), combine });
  const { strategyNames } = usePresentation();
  return (
    <>
      <PageHeader title="Compare backtests" actions={<Link to={paths.backtests()} className="btn">Back to backtests</Link>}>
        {ids.length} runs side by side
      </PageHeader>
      {ids.length < 2 ? (
        <EmptyState title="Choose two or more backtests">Tick them in the list of recent backtests, then compare.</EmptyState>
      ) : error ? (
        <ErrorState error={error} />
      ) : pending ? (
        <LoadingState label="Loading backtests…" />
      ) : (
        <BacktestCompare runs={runs} strategyNames={strategyNames} />
      )}
    </>
  );
}
