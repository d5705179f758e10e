import { useState } from 'react';
import { FormError } from '@/components/ui/alert';
import { useCreateTrialBot } from '../api/optimizations';
import { formatNumber, metric, METRIC_COLUMNS, numericAxes } from '../lib/trials';
import type { CreatedBot, Metrics, Optimization, OptimizationResult, TopTrial } from '../types';
import { Heatmap } from './heatmap';
import { TrialEquity } from './trial-equity';
import { TrialsTable } from './trials-table';

const COMPARED = [{ key: 'score', label: 'Objective score' }, ...METRIC_COLUMNS, { key: 'profit_factor', label: 'Profit factor' }];

/** A finished (or cancelled) search: the overfitting verdict, the top trials out of sample, heatmap, trials. */
export function OptimizationResultView({ job, result, onBotCreated }: { job: Optimization; result: OptimizationResult; onBotCreated: (bot: CreatedBot) => void }) {
  const [chosen, setChosen] = useState<number | null>(result.best?.id ?? result.trials[0]?.id ?? null);
  const axes = numericAxes(result.trials);
  const objective = result.objective;
  return (
    <>
      <OverfittingNotice result={result} />
      <section className="card" aria-labelledby="top-heading">
        <h2 id="top-heading">Top trials on held-out data</h2>
        <p className="muted">
          The best {result.top.length} trials re-run on the last {result.held_out_bars ?? '?'} bars, which the search never saw.
        </p>
        <TopTable top={result.top} chosen={chosen} onChoose={setChosen} />
      </section>
      <ChosenTrial key={chosen} job={job} result={result} trialId={chosen} onBotCreated={onBotCreated} />
      <section className="card" aria-labelledby="heatmap-heading">
        <h2 id="heatmap-heading">Heatmap</h2>
        <Heatmap trials={result.trials} axes={axes} objective={objective} onChoose={setChosen} />
      </section>
      <section className="card" aria-labelledby="trials-heading">
        <h2 id="trials-heading">All trials ({result.trials.length})</h2>
        {result.unfinished_trials > 0 ? <p className="muted">{result.unfinished_trials} trials were not finished.</p> : null}
        <TrialsTable trials={result.trials} chosen={chosen} onChoose={setChosen} />
      </section>
    </>
  );
}

function OverfittingNotice({ result }: { result: OptimizationResult }) {
  const pct = Math.round(result.overfit_fraction * 100);
  if (result.overfitting_warning) {
    return (
      <div className="alert alert-warn" role="alert" data-testid="overfitting-warning">
        <strong>Overfitting warning.</strong> The best trial scores below {pct}% of its in-sample {result.objective} on the held-out data: its
        parameters fit the past better than they are likely to fit the future.
      </div>
    );
  }
  if (!result.best) return <div className="alert alert-info" role="status">No trial reached a score (too few trades?), so there is no best trial.</div>;
  if (result.best.score !== null && result.best.score <= 0) {
    return (
      <div className="alert alert-info" role="status">
        The best in-sample {result.objective} is not positive, so the overfitting check does not apply: no trial did well even on the data it was fitted to.
      </div>
    );
  }
  return (
    <div className="alert alert-success" role="status">
      The best trial holds up out of sample (at least {pct}% of its in-sample {result.objective}).
    </div>
  );
}

function TopTable({ top, chosen, onChoose }: { top: TopTrial[]; chosen: number | null; onChoose: (id: number) => void }) {
  if (top.length === 0) return <p className="muted">No trial was scored.</p>;
  return (
    <div className="table-wrap">
      <table className="table table-cards">
        <caption className="sr-only">Top trials, in-sample and out-of-sample</caption>
        <thead>
          <tr>
            <th scope="col">Trial</th>
            <th scope="col">Parameters</th>
            <th scope="col">In-sample score</th>
            <th scope="col">Out-of-sample score</th>
            <th scope="col">Out-of-sample return</th>
            <th scope="col">
              <span className="sr-only">Choose</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {top.map((t) => (
            <tr key={t.trial} className={t.trial === chosen ? 'row-chosen' : undefined}>
              <td data-label="Trial">{t.trial}</td>
              <td data-label="Parameters">{Object.entries(t.params).map(([k, v]) => `${k} ${String(v)}`).join(', ')}</td>
              <td data-label="In-sample score">{formatNumber(t.in_sample_score, 3)}</td>
              <td data-label="Out-of-sample score">{formatNumber(t.out_of_sample_score, 3)}</td>
              <td data-label="Out-of-sample return">{pctText(metric(t.out_of_sample, 'total_return_pct'))}</td>
              <td data-label="Choose">
                <button type="button" className="btn btn-small" onClick={() => onChoose(t.trial)} aria-pressed={t.trial === chosen}>
                  {t.trial === chosen ? 'Chosen' : `Choose trial ${t.trial}`}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const pctText = (v: number | null) => (v === null ? '—' : `${formatNumber(v)}%`);

/**
 * The chosen trial's in-sample and out-of-sample metrics side by side, next to both equity curves when it is a
 * top trial (only those are re-run out of sample), and the button that makes a bot of it.
 */
function ChosenTrial({ job, result, trialId, onBotCreated }: { job: Optimization; result: OptimizationResult; trialId: number | null; onBotCreated: (bot: CreatedBot) => void }) {
  const createBot = useCreateTrialBot(job.id, { onSuccess: onBotCreated });
  const trial = result.trials.find((t) => t.id === trialId);
  if (!trial) return null;
  const top = result.top.find((t) => t.trial === trial.id);
  const inSample: Metrics = { ...trial.in_sample, score: trial.score };
  const outOfSample: Metrics | null = top ? { ...top.out_of_sample, score: top.out_of_sample_score } : null;
  return (
    <section className="card" aria-labelledby="chosen-heading">
      <h2 id="chosen-heading">Trial {trial.id}</h2>
      <p>{Object.entries(trial.point).map(([k, v]) => `${k} ${String(v)}`).join(', ')}</p>
      <div className="opt-chosen">
        <div className="table-wrap">
          <table className="table table-cards">
            <caption className="sr-only">Trial {trial.id}: in-sample and out-of-sample metrics</caption>
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col">In-sample</th>
                <th scope="col">Out-of-sample</th>
              </tr>
            </thead>
            <tbody>
              {COMPARED.map((m) => (
                <tr key={m.key}>
                  <td data-label="Metric">{m.label}</td>
                  <td data-label="In-sample">{show(metric(inSample, m.key), 'pct' in m && m.pct)}</td>
                  <td data-label="Out-of-sample">{outOfSample ? show(metric(outOfSample, m.key), 'pct' in m && m.pct) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {top?.equity ? <TrialEquity trialId={trial.id} equity={top.equity} /> : null}
      </div>
      {outOfSample ? null : <p className="muted">Only the top {result.top.length} trials are re-run on the held-out data.</p>}
      <FormError error={createBot.error} />
      <div className="form-actions">
        <button type="button" className="btn btn-primary" onClick={() => createBot.mutate(trial.id)} disabled={createBot.isPending}>
          {createBot.isPending ? 'Creating bot…' : 'Create bot from this trial'}
        </button>
      </div>
    </section>
  );
}

const show = (v: number | null, pct: boolean | undefined) => (pct ? pctText(v) : formatNumber(v, 3));
