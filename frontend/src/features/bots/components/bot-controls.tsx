import { useState } from 'react';
import { FormError } from '@/components/ui/alert';
import { ConfirmDialog, Dialog } from '@/components/ui/dialog';
import { useMfaEnabled } from '@/lib/auth';
import { useBotAction, useDeleteBot, type BotActionInput } from '../api/bot-actions';
import type { Bot } from '../types';

type Pending = { kind: 'confirm'; input: BotActionInput } | { kind: 'stop' } | { kind: 'delete' } | null;

const VERB: Record<BotActionInput['action'], string> = { start: 'Start', stop: 'Stop', pause: 'Pause', resume: 'Resume' };

/** Start / stop (keep or close the position) / pause / resume / delete; live bots confirm first. */
export function BotControls({ bot, onDeleted }: { bot: Bot; onDeleted: () => void }) {
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
      <FormError error={action.error ?? remove.error} />

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
        <Dialog
          title={`Stop “${bot.name}”?`}
          onClose={() => setPending(null)}
          actions={
            <>
              <button type="button" className="btn btn-ghost" onClick={() => setPending(null)}>
                Cancel
              </button>
              <button type="button" className="btn" disabled={action.isPending} onClick={() => run({ action: 'stop', closePosition: false })}>
                Stop, keep position
              </button>
              <button type="button" className="btn btn-danger" disabled={action.isPending} onClick={() => run({ action: 'stop', closePosition: true })}>
                Stop and close position
              </button>
            </>
          }
        >
          <p>
            {bot.state?.in_position
              ? `The bot holds ${bot.state.quantity ?? 'a'} ${bot.symbol} position. Keep it, or sell it at market now?`
              : 'The bot holds no position.'}
            {live ? ' Closing places a real market order.' : ''}
          </p>
        </Dialog>
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
