import { formatDateTime } from '@/lib/format';
import type { BacktestSignalOutcome } from '../types';

const STATUS: Record<BacktestSignalOutcome['status'], string> = { executed: 'Executed', refused: 'Refused', not_applied: 'Not applied' };

/** What became of each signal given to a signal bot's backtest: the bar open it filled at, or why not. */
export function BacktestSignals({ signals }: { signals: BacktestSignalOutcome[] }) {
  return (
    <section className="card">
      <h2>Signals</h2>
      <p className="muted">Each signal fills at the open of the bar after it arrived, sized and refused as the live webhook would.</p>
      <div className="table-wrap">
        <table className="table">
          <caption className="sr-only">Backtest signals</caption>
          <thead>
            <tr>
              <th scope="col">Arrived</th>
              <th scope="col">Action</th>
              <th scope="col">Outcome</th>
              <th scope="col">Filled at</th>
            </tr>
          </thead>
          <tbody>
            {signals.map((s, i) => (
              <tr key={i}>
                <td>{formatDateTime(s.time)}</td>
                <td>{s.amount == null ? s.action : `${s.action} ${s.amount}`}</td>
                <td>{s.reason ? `${STATUS[s.status]}: ${s.reason.replaceAll('_', ' ')}` : STATUS[s.status]}</td>
                <td>{s.applied_at ? formatDateTime(s.applied_at) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
