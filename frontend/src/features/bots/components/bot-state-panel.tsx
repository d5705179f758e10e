import { ModeBadge, StatusBadge } from '@/components/ui/badge';
import { formatDateTime, formatDecimal, formatSigned, pnlClass } from '@/lib/format';
import type { Bot } from '../types';

/** When the dispatcher next sends this bot a tick: only a running bot has one. */
function nextTick(bot: Bot): string {
  if (bot.status === 'paused') return 'Paused';
  if (bot.status !== 'running') return 'Not scheduled';
  return bot.next_tick_at ? formatDateTime(bot.next_tick_at) : '—';
}

export function BotStatePanel({ bot }: { bot: Bot }) {
  const s = bot.state ?? {};
  const lastError = s.last_error ?? bot.last_error;
  return (
    <section className="card" aria-label="Bot state">
      <div className="card-head">
        <StatusBadge status={bot.status} />
        <ModeBadge mode={bot.mode} />
        <span className="muted">
          {bot.strategy} · {bot.symbol} · {bot.interval} · budget {bot.budget}
        </span>
      </div>
      {lastError ? (
        <div className="alert alert-error" role="alert">
          <strong>Last error:</strong> {lastError}
        </div>
      ) : null}
      <dl className="stats">
        <div>
          <dt>Position</dt>
          <dd>{s.in_position ? `${formatDecimal(s.quantity)} @ ${formatDecimal(s.entry_price)}` : 'Flat'}</dd>
        </div>
        <div>
          <dt>Unrealised PnL</dt>
          <dd className={pnlClass(s.unrealised_pnl)}>{formatSigned(s.unrealised_pnl)}</dd>
        </div>
        <div>
          <dt>Realised PnL</dt>
          <dd className={pnlClass(s.realised_pnl)}>{formatSigned(s.realised_pnl)}</dd>
        </div>
        <div>
          <dt>Last tick</dt>
          <dd>{formatDateTime(s.last_tick_at)}</dd>
        </div>
        <div>
          <dt>Next tick</dt>
          <dd>{nextTick(bot)}</dd>
        </div>
      </dl>
    </section>
  );
}
