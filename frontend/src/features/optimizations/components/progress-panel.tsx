import { formatWait } from '@/lib/format';
import { formatNumber } from '../lib/trials';
import type { Optimization } from '../types';

const pointText = (point: Record<string, unknown>) =>
  Object.entries(point)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');

/** Trials done of the budget, the best so far and the time left, while the job runs; cancel stops it. */
export function ProgressPanel({ job, onCancel, cancelling }: { job: Optimization; onCancel: () => void; cancelling: boolean }) {
  const { done, total, best_so_far: best, eta_s: eta } = job.progress;
  const percent = job.progress.percent ?? (total ? (100 * done) / total : 0);
  return (
    <section className="card" aria-label="Progress">
      <h2>{job.status === 'queued' ? 'Queued' : 'Searching…'}</h2>
      <progress max={total} value={done} aria-label="Trials done" aria-valuetext={`${done} of ${total} trials`} className="opt-progress" />
      <p>
        <strong data-testid="trials-done">
          {done} / {total} trials
        </strong>{' '}
        ({formatNumber(percent, 1)}%)
        {eta !== null && eta !== undefined ? <> · about {formatWait(Math.ceil(eta))} left</> : null}
      </p>
      <p className="muted">
        Best so far: {best && best.score !== null ? `${formatNumber(best.score, 3)} (trial ${best.trial}: ${pointText(best.point)})` : 'no scored trial yet'}
      </p>
      <div className="form-actions">
        <button type="button" className="btn btn-danger" onClick={onCancel} disabled={cancelling}>
          {cancelling ? 'Cancelling…' : 'Cancel optimization'}
        </button>
      </div>
    </section>
  );
}
