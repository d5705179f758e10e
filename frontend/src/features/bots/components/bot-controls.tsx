import { useState } from 'react';
import { FormError } from '@/components/ui/alert';
import { ConfirmDialog } from '@/components/ui/dialog';
import { ApiError } from '@/lib/api-error';
import { useMfaEnabled } from '@/lib/auth';
import { useBotAction, useDeleteBot, type BotActionInput } from '../api/bot-actions';
import type { Bot } from '../types';
import { StopBotDialog } from './stop-bot-dialog';

type Pending = { kind: 'confirm'; input: BotActionInput } | { kind: 'stop' } | { kind: 'delete' } | null;

const VERB: Record<BotActionInput['action'], string> = { start: 'Start', stop: 'Stop', pause: 'Pause', resume: 'Resume' };

/**
 * Start / stop (what becomes of the position and the resting orders) / pause / resume / delete; live bots
 * confirm first. `openOrders`: how many orders the bot has resting, undefined when they could not be listed.
 */
export function BotControls({ bot, onDeleted, openOrders }: { bot: Bot; onDeleted: () => void; openOrders?: number }) {
  const [pending, setPending] = useState<Pending>(null);
  const action = useBotAction(bot.id);
  const remove = useDeleteBot({ onSuccess: onDeleted });
  const live = bot.mode === 'live';
  // Starting a live bot asks for a fresh two-factor code when it is on.
  const mfaEnabled = useMfaEnabled();
  const [mfaCode, setMfaCode] = useState('');

  const run = (input: BotActionInput) =>
    action.mutate(input, { onSettled: () => setPending(null) });
  const request = (input: BotActionInput) => (live ? setPending({ kind: 'confirm', input }) : run(input));

  // A bot whose orders still rest on the exchange cannot be deleted: offer to cancel them (a stop with
  // cancel, which keeps the position) and delete then.
  const ordersBlockDelete = remove.error instanceof ApiError && remove.error.code === 'open_orders' ? remove.error : null;
  const cancelOrdersThenDelete = () =>
    action.mutate({ action: 'stop', closePosition: false, cancelOrders: true }, { onSuccess: () => remove.mutate(bot.id) });

  const canStart = bot.status === 'stopped' || bot.status === 'error';
  const canStop = bot.status !== 'stopped';
  return (
    <div className="controls">
      <div className="btn-row">
        {canStart ? (
          <button type="button" className="btn btn-primary" disabled={action.isPending} onClick={() => request({ action: 'start' })}>
            Start
          </button>
        ) : null}
        {bot.status === 'running' ? (
          <button type="button" className="btn" disabled={action.isPending} onClick={() => request({ action: 'pause' })}>
            Pause
          </button>
        ) : null}
        {bot.status === 'paused' ? (
          <button type="button" className="btn btn-primary" disabled={action.isPending} onClick={() => request({ action: 'resume' })}>
            Resume
          </button>
        ) : null}
        {canStop ? (
          <button type="button" className="btn btn-danger" disabled={action.isPending} onClick={() => setPending({ kind: 'stop' })}>
            Stop
          </button>
        ) : null}
        {bot.status === 'stopped' ? (
          <button type="button" className="btn btn-ghost" disabled={remove.isPending} onClick={() => setPending({ kind: 'delete' })}>
            Delete
          </button>
        ) : null}
      </div>
      {ordersBlockDelete ? (
        <div className="alert alert-error" role="alert">
          <p>{ordersBlockDelete.message}</p>
          <div className="btn-row">
            <button type="button" className="btn btn-danger" disabled={action.isPending || remove.isPending} onClick={cancelOrdersThenDelete}>
              Cancel its orders and delete
            </button>
          </div>
          <FormError error={action.error} />
        </div>
      ) : (
        <FormError error={action.error ?? remove.error} />
      )}

      {pending?.kind === 'confirm' ? (
        <ConfirmDialog
          title={`${VERB[pending.input.action]} live bot “${bot.name}”?`}
          confirmLabel={VERB[pending.input.action]}
          pending={action.isPending}
          onCancel={() => setPending(null)}
          onConfirm={() => run(pending.input.action === 'start' && mfaEnabled ? { ...pending.input, mfaCode: mfaCode.trim() } : pending.input)}
        >
          <p>
            This bot trades with real funds on your exchange account ({bot.symbol}, budget {bot.budget}).
          </p>
          {pending.input.action === 'start' && mfaEnabled ? (
            <div className="field">
              <label htmlFor="live-start-code">Authentication code</label>
              <input id="live-start-code" inputMode="numeric" autoComplete="one-time-code" value={mfaCode} onChange={(e) => setMfaCode(e.target.value)} />
            </div>
          ) : null}
        </ConfirmDialog>
      ) : null}

      {pending?.kind === 'stop' ? (
        <StopBotDialog bot={bot} openOrders={openOrders} pending={action.isPending} onStop={run} onCancel={() => setPending(null)} />
      ) : null}

      {pending?.kind === 'delete' ? (
        <ConfirmDialog
          title={`Delete “${bot.name}”?`}
          confirmLabel="Delete bot"
          danger
          pending={remove.isPending}
          onCancel={() => setPending(null)}
          onConfirm={() => remove.mutate(bot.id, { onSettled: () => setPending(null) })}
        >
          <p>Its configuration is removed. Recorded trades stay in your history.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
