import { useState } from 'react';
import { FormError } from '@/components/ui/alert';
import { ConfirmDialog } from '@/components/ui/dialog';
import { EmptyState, QueryState } from '@/components/ui/states';
import { formatDateTime } from '@/lib/format';
import { useApiKeys } from '../api/get-api-keys';
import { useDeleteApiKey } from '../api/delete-api-key';
import type { ApiKey } from '../types';
import { KeyAudit } from './key-audit';

export function ApiKeysList() {
  const keys = useApiKeys();
  const remove = useDeleteApiKey();
  const [confirming, setConfirming] = useState<ApiKey | null>(null);
  const [auditOf, setAuditOf] = useState<string | null>(null);
  return (
    <>
      <FormError error={remove.error} />
      <QueryState
        query={keys}
        isEmpty={(k) => k.length === 0}
        empty={<EmptyState title="No API keys yet">Paper bots need none; add a key to trade live.</EmptyState>}
      >
        {(items) => (
          <ul className="list">
            {items.map((k) => (
              <li key={k.id} className="list-row">
                <div>
                  <strong>{k.label}</strong> {k.testnet ? <span className="badge">testnet</span> : null}
                  <div className="muted mono">
                    {'•'.repeat(12)}
                    {k.api_key_last4} · added {formatDateTime(k.created_at)}
                  </div>
                  {k.ip_warning ? (
                    <p className="alert alert-warn" role="note">
                      {k.ip_warning}
                    </p>
                  ) : null}
                  {auditOf === k.id ? <KeyAudit keyId={k.id} /> : null}
                </div>
                <button
                  type="button"
                  className="btn btn-ghost"
                  aria-expanded={auditOf === k.id}
                  onClick={() => setAuditOf(auditOf === k.id ? null : k.id)}
                  aria-label={`Audit trail of key ${k.label}`}
                >
                  Audit trail
                </button>
                <button type="button" className="btn btn-ghost" onClick={() => setConfirming(k)} aria-label={`Delete key ${k.label}`}>
                  Delete
                </button>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {confirming ? (
        <ConfirmDialog
          title={`Delete key “${confirming.label}”?`}
          confirmLabel="Delete key"
          danger
          pending={remove.isPending}
          onCancel={() => setConfirming(null)}
          onConfirm={() => remove.mutate(confirming.id, { onSettled: () => setConfirming(null) })}
        >
          <p>Bots using this key must be stopped first. Remember to delete the key on Binance too.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
