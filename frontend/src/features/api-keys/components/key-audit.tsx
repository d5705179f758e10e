import { FormError } from '@/components/ui/alert';
import { formatDateTime } from '@/lib/format';
import { useKeyAudit } from '../api/get-key-audit';

const ACTIONS: Record<string, string> = {
  key_check: 'Key checked',
  order_placed: 'Order placed',
  order_cancelled: 'Order cancelled',
  order_lookup: 'Order looked up',
  balance_lookup: 'Balances read',
};

/** Every use of one key (the check, each order and lookup, each refusal), kept 90 days. */
export function KeyAudit({ keyId }: { keyId: string }) {
  const audit = useKeyAudit(keyId);
  if (audit.isPending) return <p className="muted">Loading the audit trail…</p>;
  if (audit.isError) return <FormError error={audit.error} />;
  const items = audit.data.pages.flatMap((p) => p.items);
  if (items.length === 0) return <p className="muted">No use of this key recorded in the last 90 days.</p>;
  return (
    <div>
      <div className="table-wrap">
      <table className="table" aria-label="Key audit trail">
        <thead>
          <tr>
            <th>When</th>
            <th>What</th>
            <th>Bot</th>
            <th>Outcome</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {items.map((u, i) => (
            <tr key={`${u.at}-${i}`}>
              <td>{formatDateTime(u.at)}</td>
              <td>{ACTIONS[u.action] ?? u.action}</td>
              <td className="mono">{u.bot_id ?? '—'}</td>
              <td>{u.outcome === 'ok' ? 'ok' : <span className="badge badge-error">{u.outcome.replaceAll('_', ' ')}</span>}</td>
              <td className="muted">{u.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
      {audit.hasNextPage ? (
        <button type="button" className="btn btn-ghost" disabled={audit.isFetchingNextPage} onClick={() => void audit.fetchNextPage()}>
          Older uses
        </button>
      ) : null}
    </div>
  );
}
