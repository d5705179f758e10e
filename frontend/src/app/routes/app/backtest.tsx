import { Link, useParams } from 'react-router';
import { usePresentation } from '@/app/presentation';
import { PageHeader } from '@/components/layouts/app-layout';
import { StatusBadge } from '@/components/ui/badge';
import { QueryState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { useBacktest } from '@/features/backtests/api/get-backtest';
import { BacktestProgress, BacktestResultView } from '@/features/backtests/components/backtest-result';
import { BacktestRunInfo } from '@/features/backtests/components/backtest-run-info';
import { botPrefillOf } from '@/features/backtests/lib/run-info';
import type { Backtest } from '@/features/backtests/types';
import { prefillQuery } from '@/lib/bot-prefill';
import { DEFAULT_PRECISION } from '@/lib/format';

/** "Create a bot from this backtest": the bot form, pre-filled through the URL (features stay apart). */
function CreateBotLink({ backtest }: { backtest: Backtest }) {
  const prefill = botPrefillOf(backtest);
  if (!prefill || backtest.status !== 'done') return null;
  return (
    <Link to={paths.newBot(prefillQuery(prefill))} className="btn btn-primary">
      Create a bot from this backtest
    </Link>
  );
}

const failureReason = (b: Backtest) =>
  (typeof b.error === 'string' ? b.error : b.error?.message) ?? 'The backtest failed without a reason.';

export default function BacktestRoute() {
  const { backtestId = '' } = useParams();
  const backtest = useBacktest(backtestId);
  const { precisions, strategyNames } = usePresentation();
  const nameOf = (b: Backtest) => (b.strategy ? (strategyNames[b.strategy] ?? b.strategy) : undefined);
  return (
    <>
      <PageHeader
        title="Backtest result"
        actions={
          <>
            {backtest.data ? <CreateBotLink backtest={backtest.data} /> : null}
            <Link to={paths.backtests()} className="btn">
              New backtest
            </Link>
          </>
        }
      >
        {backtest.data ? (
          <>
            <StatusBadge status={backtest.data.status} /> {[nameOf(backtest.data), backtest.data.symbol, backtest.data.interval].filter(Boolean).join(' · ')}
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
            <>
              <BacktestRunInfo backtest={b} strategyName={nameOf(b)} />
              <BacktestResultView backtest={b} precision={(b.symbol && precisions[b.symbol]) || DEFAULT_PRECISION} />
            </>
          ) : (
            <BacktestProgress backtest={b} />
          )
        }
      </QueryState>
    </>
  );
}
