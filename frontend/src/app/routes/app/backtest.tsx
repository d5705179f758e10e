import { Link, useParams } from 'react-router';
import { PageHeader } from '@/components/layouts/app-layout';
import { StatusBadge } from '@/components/ui/badge';
import { QueryState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { useBacktest } from '@/features/backtests/api/get-backtest';
import { BacktestProgress, BacktestResultView } from '@/features/backtests/components/backtest-result';
import type { Backtest } from '@/features/backtests/types';

const failureReason = (b: Backtest) =>
  (typeof b.error === 'string' ? b.error : b.error?.message) ?? 'The backtest failed without a reason.';

export default function BacktestRoute() {
  const { backtestId = '' } = useParams();
  const backtest = useBacktest(backtestId);
  return (
    <>
      <PageHeader title="Backtest result" actions={<Link to={paths.backtests()} className="btn">New backtest</Link>}>
        {backtest.data ? (
          <>
            <StatusBadge status={backtest.data.status} /> {[backtest.data.strategy, backtest.data.symbol, backtest.data.interval].filter(Boolean).join(' · ')}
          </>
        ) : null}
      </PageHeader>
      <QueryState query={backtest} loadingLabel="Loading backtest…">
        {(b) =>
          b.status === 'failed' ? (
            <div className="alert alert-error" role="alert">
              {failureReason(b)}
            </div>
          ) : b.status === 'done' ? (
            <BacktestResultView backtest={b} />
          ) : (
            <BacktestProgress backtest={b} />
          )
        }
      </QueryState>
    </>
  );
}
