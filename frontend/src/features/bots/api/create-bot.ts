import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Bot, CreateBotInput } from '../types';

export const createBot = (input: CreateBotInput) => api.post<Bot>('/bots', input);

export function useCreateBot({ onSuccess }: { onSuccess?: (bot: Bot) => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createBot,
    onSuccess: (bot) => {
      queryClient.setQueryData(['bots', bot.id], bot);
      void queryClient.invalidateQueries({ queryKey: ['bots'], exact: true });
      onSuccess?.(bot);
    },
  });
}
