import { useState } from 'react';
import { FormError } from '@/components/ui/alert';
import { formatDateTime } from '@/lib/format';
import { useSetChannels, useSetDailySummary, useTelegram, useTelegramLink, useUnlinkTelegram, type Channel } from '../api/telegram';

const EVENTS: Record<string, string> = {
  trade_opened: 'Trade opened',
  trade_closed: 'Trade closed',
  stop_loss: 'Stop-loss hit',
  take_profit: 'Take-profit hit',
  bot_error: 'Bot error',
  signal_refused: 'Signal refused',
  api_key_rejected: 'API key rejected',
  api_key_unsafe: 'API key unsafe',
  daily_summary: 'Daily summary',
};
const CHANNELS: [Channel, string][] = [
  ['in_app', 'In-app'],
  ['webhook', 'Webhook'],
  ['telegram', 'Telegram'],
];

/** Link a Telegram chat with a one-time deep link, unlink it, and choose each event's channels. */
export function TelegramSettingsPanel() {
  const settings = useTelegram();
  const link = useTelegramLink();
  const unlink = useUnlinkTelegram();
  const setChannels = useSetChannels();
  if (settings.isPending) return <p className="muted">Loading…</p>;
  if (settings.isError) return <FormError error={settings.error} />;
  const { linked, channels } = settings.data;
  const toggle = (kind: string, channel: Channel) => {
    const current = channels[kind] ?? [];
    const next = current.includes(channel) ? current.filter((c) => c !== channel) : [...current, channel];
    setChannels.mutate({ ...channels, [kind]: next });
  };
  return (
    <div>
      <FormError error={link.error ?? unlink.error ?? setChannels.error} />
      {linked ? (
        <p>
          A Telegram chat is linked.{' '}
          <button type="button" className="btn btn-ghost" disabled={unlink.isPending} onClick={() => unlink.mutate()}>
            Unlink Telegram
          </button>
        </p>
      ) : (
        <div>
          <p className="muted">Get alerts and control your bots from Telegram (/status, /bots, /pause, /stop…).</p>
          <button type="button" className="btn" disabled={link.isPending} onClick={() => link.mutate()}>
            Link Telegram
          </button>
          {link.data ? (
            <p>
              Open <a href={link.data.url} target="_blank" rel="noreferrer">{link.data.url}</a> in Telegram and press Start. The
              link works once, until {formatDateTime(link.data.expires_at)}.
            </p>
          ) : null}
        </div>
      )}
      <DailySummaryTime saved={settings.data.daily_summary_time ?? null} />
      <div className="table-wrap">
        <table className="table" aria-label="Notification channels">
          <thead>
            <tr>
              <th>Event</th>
              {CHANNELS.map(([, label]) => (
                <th key={label}>{label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {Object.entries(EVENTS).map(([kind, label]) => (
              <tr key={kind}>
                <td>{label}</td>
                {CHANNELS.map(([channel, channelLabel]) => (
                  <td key={channel}>
                    <input
                      type="checkbox"
                      aria-label={`${label} by ${channelLabel}`}
                      checked={(channels[kind] ?? []).includes(channel)}
                      disabled={setChannels.isPending || (channel === 'telegram' && !linked)}
                      onChange={() => toggle(kind, channel)}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/**
 * The time (UTC) of a daily summary of the bots, today's realised PnL and trades and the open positions; it goes
 * to the channels chosen for "Daily summary" below.
 */
function DailySummaryTime({ saved }: { saved: string | null }) {
  const save = useSetDailySummary();
  const [time, setTime] = useState(saved ?? '');
  const changed = time !== (saved ?? '');
  return (
    <form
      className="inline-form"
      aria-label="Daily summary"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(time || null);
      }}
    >
      <FormError error={save.error} />
      <label htmlFor="daily-summary-time">Daily summary at (UTC)</label>{' '}
      <input id="daily-summary-time" name="daily_summary_time" type="time" step={60} value={time} onChange={(e) => setTime(e.target.value)} />{' '}
      <button type="submit" className="btn" disabled={save.isPending || !changed}>
        Save time
      </button>{' '}
      {saved ? (
        <button
          type="button"
          className="btn btn-ghost"
          disabled={save.isPending}
          onClick={() => {
            setTime('');
            save.mutate(null);
          }}
        >
          No daily summary
        </button>
      ) : null}
      <small className="hint">{saved ? `Sent every day at ${saved} UTC.` : 'Off: pick a time to get one every day.'}</small>
    </form>
  );
}
