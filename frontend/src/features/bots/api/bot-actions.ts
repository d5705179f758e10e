import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Bot, BotAction } from '../types';

export type BotActionInput = { action: BotAction; closePosition?: boolean };

export const runBotAction = (id: string, { action, closePosition }: BotActionInput) =>
  api.post<Bot>(`/bots/${encodeURIComponent(id)}/${action}`, action === 'stop' ? { close_position: Boolean(closePosition) } : {});

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
