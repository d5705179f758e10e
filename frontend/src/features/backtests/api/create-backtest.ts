import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Backtest, CreateBacktestInput } from '../types';

export const createBacktest = (input: CreateBacktestInput) => api.post<Backtest>('/backtests', input);

export function useCreateBacktest({ onSuccess }: { onSuccess?: (b: Backtest) => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createBacktest,
    onSuccess: (b) => {
      queryClient.setQueryData(['backtests', b.id], b);
      void queryClient.invalidateQueries({ queryKey: ['backtests'], exact: true });
      onSuccess?.(b);
    },
  });
}
