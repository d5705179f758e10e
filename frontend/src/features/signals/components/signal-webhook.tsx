import { useState } from 'react';
import { FormError, Notice } from '@/components/ui/alert';
import { ConfirmDialog } from '@/components/ui/dialog';
import { type SignalSecret, useRotateSignalSecret, useSendTestSignal } from '../api/signals';
import { alertMessages, testSignal } from '../lib/alert-messages';

type Props = { botId: string; symbol: string; running: boolean };

/**
 * A signal bot's webhook: create (or rotate, after a confirmation) its secret URL, which the server shows once;
 * then the URL and ready-to-paste TradingView alert messages with copy buttons, and a test signal.
 */
export function SignalWebhook({ botId, symbol, running }: Props) {
  const rotate = useRotateSignalSecret(botId);
  const [secret, setSecret] = useState<SignalSecret | null>(null);
  const [confirming, setConfirming] = useState(false);
  const create = () =>
    rotate.mutate(undefined, {
      onSuccess: (s) => {
        setSecret(s);
        setConfirming(false);
      },
      onError: () => setConfirming(false),
    });
  return (
    <section className="card" aria-label="Signal webhook">
      <h2>Signal webhook</h2>
      <p className="muted">
        TradingView alerts (or your scripts) trade this bot by posting to its webhook URL. The URL holds the bot’s secret: it is
        shown once, and rotating it stops the old one at once.
      </p>
      <div className="btn-row">
        <button type="button" className="btn btn-primary" disabled={rotate.isPending} onClick={() => setConfirming(true)}>
          {secret ? 'Rotate secret' : 'Create webhook URL'}
        </button>
      </div>
      <FormError error={rotate.error} />
      {secret ? <WebhookDetails botId={botId} symbol={symbol} running={running} secret={secret} /> : null}
      {confirming ? (
        <ConfirmDialog
          title="Create a new webhook URL?"
          confirmLabel="Create new URL"
          danger
          pending={rotate.isPending}
          onCancel={() => setConfirming(false)}
          onConfirm={create}
        >
          <p>
            A URL made before stops working at once: alerts that still use it are refused until you paste the new one.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function WebhookDetails({ botId, symbol, running, secret }: Props & { secret: SignalSecret }) {
  const send = useSendTestSignal(botId);
  return (
    <div className="form" role="group" aria-label="Webhook URL and alert messages">
      <Notice tone="warn">Copy the URL now: it is not shown again.</Notice>
      <CopyField label="Webhook URL" value={secret.url} />
      {alertMessages().map((m) => (
        <CopyField key={m.id} label={m.label} value={m.message} />
      ))}
      <div className="btn-row">
        <button
          type="button"
          className="btn"
          disabled={send.isPending || !running}
          onClick={() => send.mutate({ token: secret.token, body: testSignal(symbol) })}
        >
          Send a test signal
        </button>
      </div>
      {!running ? <p className="muted">Start the bot to send a test signal: a stopped bot refuses signals.</p> : null}
      {send.isSuccess ? <Notice tone="success">Test signal {send.data.status}: see the signal log below.</Notice> : null}
      <FormError error={send.error} />
    </div>
  );
}

function CopyField({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  const id = `copy-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const copy = async () => {
    await navigator.clipboard?.writeText(value);
    setCopied(true);
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input id={id} readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" className="btn" aria-label={`Copy ${label}`} onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}
