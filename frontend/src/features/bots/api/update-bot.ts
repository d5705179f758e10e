import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { ApiError } from '@/lib/api-error';
import type { Bot, UpdateBotInput } from '../types';

export const updateBot = (id: string, changes: UpdateBotInput) => api.patch<Bot>(`/bots/${encodeURIComponent(id)}`, changes);

export function useUpdateBot(id: string, { onSuccess }: { onSuccess?: (bot: Bot) => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (changes: UpdateBotInput) => updateBot(id, changes),
    onSuccess: (bot) => {
      queryClient.setQueryData(['bots', id], bot);
      void queryClient.invalidateQueries({ queryKey: ['bots'] });
      void queryClient.invalidateQueries({ queryKey: ['dashboard'] });
      onSuccess?.(bot);
    },
    onError: (error) => {
      // The bot was started since it was loaded: reload it so the form locks what now needs a stop.
      if (error instanceof ApiError && error.code === 'bot_running') void queryClient.invalidateQueries({ queryKey: ['bots', id], exact: true });
    },
  });
}
