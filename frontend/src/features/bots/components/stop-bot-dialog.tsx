import { Dialog } from '@/components/ui/dialog';
import type { BotActionInput } from '../api/bot-actions';
import type { Bot } from '../types';

type StopInput = BotActionInput & { action: 'stop' };

type Choice = { label: string; danger?: boolean; input: StopInput; consequence: string };

/**
 * The ways to stop a bot, each with its consequence in one line. A bot with resting orders is asked what
 * becomes of them (cancel and close the position, cancel and keep it, or leave them on the exchange); a bot
 * with none, or whose orders could not be listed (`openOrders` undefined), only about its position.
 */
export function stopChoices(bot: Bot, openOrders: number | undefined): Choice[] {
  const inPosition = Boolean(bot.state?.in_position);
  const market = bot.mode === 'live' ? 'a real market order' : 'a market order';
  if (!openOrders) {
    return [
      { label: 'Stop, keep position', input: { action: 'stop', closePosition: false }, consequence: inPosition ? 'The position stays in your account; nothing watches it any more.' : 'The bot stops trading.' },
      { label: 'Stop and close position', danger: true, input: { action: 'stop', closePosition: true }, consequence: `Sells the position now with ${market}.` },
    ];
  }
  const leave: Choice = {
    label: 'Stop, leave orders resting',
    input: { action: 'stop', closePosition: false, cancelOrders: false },
    consequence: 'Its orders stay on the exchange and can still fill (a stop-loss there keeps guarding the position); the bot cannot be deleted until they are cancelled.',
  };
  const cancelKeep: Choice = {
    label: inPosition ? 'Cancel orders, keep position' : 'Stop and cancel orders',
    input: { action: 'stop', closePosition: false, cancelOrders: true },
    consequence: inPosition
      ? 'Cancels its resting orders, stop-loss and take-profit included; the position stays in your account unguarded.'
      : 'Cancels its resting orders; nothing of the bot stays on the exchange.',
  };
  const cancelClose: Choice = {
    label: 'Cancel orders and close position',
    danger: true,
    input: { action: 'stop', closePosition: true, cancelOrders: true },
    consequence: `Cancels its resting orders, then sells the position now with ${market}.`,
  };
  return inPosition ? [leave, cancelKeep, cancelClose] : [leave, cancelKeep];
}

export function StopBotDialog({
  bot,
  openOrders,
  pending,
  onStop,
  onCancel,
}: {
  bot: Bot;
  /** Open orders the bot has resting; undefined when they could not be listed. */
  openOrders: number | undefined;
  pending: boolean;
  onStop: (input: StopInput) => void;
  onCancel: () => void;
}) {
  const choices = stopChoices(bot, openOrders);
  const position = bot.state?.in_position ? `The bot holds ${bot.state.quantity ?? 'a'} ${bot.symbol} position` : 'The bot holds no position';
  const orders = openOrders ? ` and has ${openOrders} open order${openOrders === 1 ? '' : 's'} on the exchange` : '';
  return (
    <Dialog
      title={`Stop “${bot.name}”?`}
      onClose={onCancel}
      actions={
        <>
          <button type="button" className="btn btn-ghost" onClick={onCancel}>
            Cancel
          </button>
          {choices.map((c) => (
            <button key={c.label} type="button" className={c.danger ? 'btn btn-danger' : 'btn'} disabled={pending} onClick={() => onStop(c.input)}>
              {c.label}
            </button>
          ))}
        </>
      }
    >
      <p>
        {position}
        {orders}.
      </p>
      <dl className="stop-choices">
        {choices.map((c) => (
          <div key={c.label}>
            <dt>{c.label}</dt>
            <dd>{c.consequence}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
