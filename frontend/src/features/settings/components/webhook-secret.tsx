import { useState } from 'react';
import { FormError, Notice } from '@/components/ui/alert';
import { ConfirmDialog } from '@/components/ui/dialog';
import { useRotateWebhookSecret, useWebhook } from '../api/webhook';

/**
 * The webhook's signing secret: hidden until asked for, copyable, and rotatable (the old secret
 * stops signing at once, so the receiver must be updated).
 */
export function WebhookSecret() {
  const webhook = useWebhook();
  const rotate = useRotateWebhookSecret();
  const [shown, setShown] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [copied, setCopied] = useState(false);

  if (webhook.isPending) return <p className="muted">Loading the signing secret…</p>;
  if (webhook.isError) return <FormError error={webhook.error} />;
  const secret = webhook.data.webhook_secret;
  if (!webhook.data.webhook_url || !secret) {
    return <p className="muted">Save a webhook URL to get its signing secret.</p>;
  }

  const copy = async () => {
    await navigator.clipboard?.writeText(secret);
    setCopied(true);
  };

  return (
    <div className="form" aria-label="Signing secret" role="group">
      <h3>Signing secret</h3>
      <p className="muted">
        Each request carries <code>X-Tradebot-Signature: t=&lt;unix time&gt;,v1=&lt;HMAC-SHA256 of “t.body”&gt;</code> made with
        this secret. Check it, and refuse old timestamps.
      </p>
      <p>
        <code data-testid="webhook-secret">{shown ? secret : '•'.repeat(24)}</code>
      </p>
      <div className="btn-row">
        <button type="button" className="btn" onClick={() => setShown((s) => !s)}>
          {shown ? 'Hide secret' : 'Show secret'}
        </button>
        <button type="button" className="btn" onClick={copy}>
          Copy
        </button>
        <button type="button" className="btn btn-danger" disabled={rotate.isPending} onClick={() => setConfirming(true)}>
          Rotate secret
        </button>
      </div>
      {copied ? <Notice tone="success">Copied.</Notice> : null}
      {rotate.isSuccess ? (
        <Notice tone="success">New secret in effect: update your receiver, the old one no longer signs.</Notice>
      ) : null}
      <FormError error={rotate.error} />
      {confirming ? (
        <ConfirmDialog
          title="Rotate the signing secret?"
          confirmLabel="Rotate"
          danger
          pending={rotate.isPending}
          onCancel={() => setConfirming(false)}
          onConfirm={() =>
            rotate.mutate(undefined, {
              onSuccess: () => {
                setConfirming(false);
                setShown(true);
                setCopied(false);
              },
              onError: () => setConfirming(false),
            })
          }
        >
          <p>Notifications are signed with the new secret at once; your receiver will refuse them until you update it.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
