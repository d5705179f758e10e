import { EmptyState, QueryState } from '@/components/ui/states';
import { formatDateTime } from '@/lib/format';
import { type SignalEntry, useSignals } from '../api/signals';

/** The bot's signals, newest first, with what became of each (executed with its orders, or why not). */
export function SignalLog({ botId, running }: { botId: string; running: boolean }) {
  const signals = useSignals(botId, running);
  return (
    <section className="card">
      <h2>Signals</h2>
      <QueryState
        query={signals}
        isEmpty={(s) => s.items.length === 0}
        empty={<EmptyState title="No signals yet">Send one from TradingView, or with “Send a test signal”.</EmptyState>}
      >
        {(s) => <SignalTable signals={s.items} />}
      </QueryState>
    </section>
  );
}

function outcome(s: SignalEntry): string {
  if (s.status === 'executed') return s.order_ids.length ? `order ${s.order_ids.join(', ')}` : 'executed';
  return [s.reason, s.message].filter(Boolean).join(': ');
}

export function SignalTable({ signals }: { signals: SignalEntry[] }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="sr-only">Signal log</caption>
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">Action</th>
            <th scope="col">Signal id</th>
            <th scope="col">Status</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {signals.map((s) => (
            <tr key={s.seq}>
              <td>{formatDateTime(s.received_at)}</td>
              <td>{s.action}</td>
              <td>
                <code>{s.signal_id}</code>
              </td>
              <td>
                <span className={`badge badge-signal-${s.status}`}>{s.status}</span>
              </td>
              <td>{outcome(s)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
