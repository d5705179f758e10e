import { ModeBadge, StatusBadge } from '@/components/ui/badge';
import { DEFAULT_PRECISION, formatDateTime, formatPrice, formatQty, formatQuote, formatSignedQuote, pnlClass, type Precision } from '@/lib/format';
import type { Bot } from '../types';

/** When the dispatcher next sends this bot a tick: only a running bot has one. */
function nextTick(bot: Bot): string {
  if (bot.status === 'paused') return 'Paused';
  if (bot.status !== 'running') return 'Not scheduled';
  return bot.next_tick_at ? formatDateTime(bot.next_tick_at) : '—';
}

type Props = { bot: Bot; precision?: Precision; strategyName?: string };

export function BotStatePanel({ bot, precision = DEFAULT_PRECISION, strategyName }: Props) {
  const s = bot.state ?? {};
  const lastError = s.last_error ?? bot.last_error;
  return (
    <section className="card" aria-label="Bot state">
      <div className="card-head">
        <StatusBadge status={bot.status} />
        <ModeBadge mode={bot.mode} />
        <span className="muted">
          {strategyName ?? bot.strategy} · {bot.symbol} · {bot.interval} · budget {formatQuote(bot.budget, precision)}
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
          <dd>{s.in_position ? `${formatQty(s.quantity, precision)} @ ${formatPrice(s.entry_price, precision)}` : 'Flat'}</dd>
        </div>
        <div>
          <dt>Unrealised PnL</dt>
          <dd className={pnlClass(s.unrealised_pnl)}>{formatSignedQuote(s.unrealised_pnl, precision)}</dd>
        </div>
        <div>
          <dt>Realised PnL</dt>
          <dd className={pnlClass(s.realised_pnl)}>{formatSignedQuote(s.realised_pnl, precision)}</dd>
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
