import { Link, useNavigate, useParams } from 'react-router';
import { PageHeader } from '@/components/layouts/app-layout';
import { FormError } from '@/components/ui/alert';
import { StatusBadge } from '@/components/ui/badge';
import { EmptyState, ErrorState, LoadingState, QueryState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { formatDateTime } from '@/lib/format';
import { useSymbols } from '@/features/market/api/get-symbols';
import { useCancelOptimization, useOptimization, useOptimizations } from '@/features/optimizations/api/optimizations';
import { OptimizationForm } from '@/features/optimizations/components/optimization-form';
import { OptimizationResultView } from '@/features/optimizations/components/optimization-result';
import { ProgressPanel } from '@/features/optimizations/components/progress-panel';
import '@/features/optimizations/optimizations.css';
import { useStrategies } from '@/features/strategies/api/get-strategies';

/** /optimize: start a parameter search; /optimize/:id: its progress, then its result. */
export default function OptimizeRoute() {
  const { optimizationId } = useParams();
  return optimizationId ? <OptimizationPage id={optimizationId} /> : <NewOptimizationPage />;
}

function NewOptimizationPage() {
  const navigate = useNavigate();
  const strategies = useStrategies();
  const symbols = useSymbols();
  const history = useOptimizations();
  const failed = strategies.error ?? symbols.error;
  return (
    <>
      <PageHeader title="Optimize">Search a strategy&apos;s parameters over historical candles, then check the best ones on data the search never saw.</PageHeader>
      <div className="two-col">
        <section className="card">
          {strategies.isPending || symbols.isPending ? (
            <LoadingState label="Loading strategies and markets…" />
          ) : failed ? (
            <ErrorState error={failed} onRetry={() => void Promise.all([strategies.refetch(), symbols.refetch()])} />
          ) : !strategies.data?.length ? (
            <EmptyState title="No strategies are available" />
          ) : (
            <OptimizationForm strategies={strategies.data} symbols={symbols.data ?? []} onCreated={(o) => navigate(paths.optimization(o.id))} />
          )}
        </section>
        <section className="card">
          <h2>Recent optimizations</h2>
          <QueryState query={history} isEmpty={(items) => items.length === 0} empty={<EmptyState title="No optimizations yet" />}>
            {(items) => (
              <ul className="list" aria-label="Recent optimizations">
                {items.map((o) => (
                  <li key={o.id} className="list-row">
                    <div className="list-main">
                      <Link to={paths.optimization(o.id)}>
                        {o.strategy} · {o.symbol} {o.interval}
                      </Link>
                      <div className="muted">
                        {o.progress.done} / {o.progress.total} trials · {formatDateTime(o.created_at)}
                      </div>
                    </div>
                    <StatusBadge status={o.status} />
                  </li>
                ))}
              </ul>
            )}
          </QueryState>
        </section>
      </div>
    </>
  );
}

function OptimizationPage({ id }: { id: string }) {
  const navigate = useNavigate();
  const query = useOptimization(id);
  const cancel = useCancelOptimization(id);
  const job = query.data;
  const title = job ? `Optimization: ${job.strategy} on ${job.symbol} ${job.interval}` : 'Optimization';
  return (
    <>
      <PageHeader title={title} actions={<Link to={paths.optimize()}>New optimization</Link>}>
        {job ? (
          <>
            <StatusBadge status={job.status} /> {job.bars} bars{job.start && job.end ? ` · ${formatDateTime(job.start)} – ${formatDateTime(job.end)}` : ''} · objective{' '}
            {String(job.spec.objective ?? '')} · {String(job.spec.sampler ?? '')} sampler
          </>
        ) : null}
      </PageHeader>
      {query.isPending ? (
        <LoadingState label="Loading the optimization…" />
      ) : query.error && !job ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : job ? (
        <>
          {job.status === 'queued' || job.status === 'running' ? (
            <ProgressPanel job={job} onCancel={() => cancel.mutate()} cancelling={cancel.isPending} />
          ) : null}
          <FormError error={cancel.error} />
          {job.status === 'failed' ? <div className="alert alert-error" role="alert">The optimization failed: {job.error ?? 'unknown error'}</div> : null}
          {job.status === 'cancelled' ? <div className="alert alert-info" role="status">Cancelled after {job.progress.done} of {job.progress.total} trials; the recorded trials are below.</div> : null}
          {job.result ? <OptimizationResultView job={job} result={job.result} onBotCreated={(bot) => navigate(paths.bot(bot.id))} /> : null}
        </>
      ) : null}
    </>
  );
}
