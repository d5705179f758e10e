import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Bot, BotAction } from '../types';

/**
 * `mfaCode`: a fresh two-factor code, which starting a live bot needs when two-factor sign-in is on.
 * `cancelOrders`: whether stopping cancels the bot's resting orders; left out when the user was not asked
 * (the bot had none), so the server's rule applies.
 */
export type BotActionInput = { action: BotAction; closePosition?: boolean; cancelOrders?: boolean; mfaCode?: string };

function actionBody({ action, closePosition, cancelOrders, mfaCode }: BotActionInput) {
  if (action === 'stop') {
    return cancelOrders === undefined ? { close_position: Boolean(closePosition) } : { close_position: Boolean(closePosition), cancel_orders: cancelOrders };
  }
  return action === 'start' && mfaCode ? { mfa_code: mfaCode } : {};
}

export const runBotAction = (id: string, input: BotActionInput) => api.post<Bot>(`/bots/${encodeURIComponent(id)}/${input.action}`, actionBody(input));

export function useBotAction(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: BotActionInput) => runBotAction(id, input),
    onSuccess: (bot) => {
      queryClient.setQueryData(['bots', id], bot);
      void queryClient.invalidateQueries({ queryKey: ['bots'] });
      void queryClient.invalidateQueries({ queryKey: ['dashboard'] });
    },
  });
}

export const deleteBot = (id: string) => api.delete(`/bots/${encodeURIComponent(id)}`);

export function useDeleteBot({ onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteBot,
    onSuccess: (_r, id) => {
      queryClient.removeQueries({ queryKey: ['bots', id] });
      void queryClient.invalidateQueries({ queryKey: ['bots'], exact: true });
      onSuccess?.();
    },
  });
}
