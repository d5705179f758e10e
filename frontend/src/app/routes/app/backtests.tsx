import { useNavigate } from 'react-router';
import { PageHeader } from '@/components/layouts/app-layout';
import { EmptyState, ErrorState, LoadingState, QueryState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { useBacktests } from '@/features/backtests/api/get-backtests';
import { BacktestForm } from '@/features/backtests/components/backtest-form';
import { BacktestList } from '@/features/backtests/components/backtest-list';
import { useSymbols } from '@/features/market/api/get-symbols';
import { useStrategies } from '@/features/strategies/api/get-strategies';

export default function BacktestsRoute() {
  const navigate = useNavigate();
  const strategies = useStrategies();
  const symbols = useSymbols();
  const history = useBacktests();
  const failed = strategies.error ?? symbols.error;
  const strategyNames = Object.fromEntries((strategies.data ?? []).map((s) => [s.id, s.name]));
  return (
    <>
      <PageHeader title="Backtest">Run a strategy over historical candles with fees, then read its equity curve and metrics.</PageHeader>
      <div className="two-col">
        <section className="card">
          {strategies.isPending || symbols.isPending ? (
            <LoadingState label="Loading strategies and markets…" />
          ) : failed ? (
            <ErrorState error={failed} onRetry={() => void Promise.all([strategies.refetch(), symbols.refetch()])} />
          ) : !strategies.data?.length ? (
            <EmptyState title="No strategies are available" />
          ) : (
            <BacktestForm strategies={strategies.data} symbols={symbols.data ?? []} onCreated={(b) => navigate(paths.backtest(b.id))} />
          )}
        </section>
        <section className="card">
          <h2>Recent backtests</h2>
          <QueryState query={history} isEmpty={(b) => b.length === 0} empty={<EmptyState title="No backtests yet" />}>
            {(items) => <BacktestList items={items} linkTo={paths.backtest} onCompare={(ids) => navigate(paths.compareBacktests(ids))} strategyNames={strategyNames} />}
          </QueryState>
        </section>
      </div>
    </>
  );
}
