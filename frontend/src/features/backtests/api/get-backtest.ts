import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Backtest } from '../types';

export const isFinished = (b: Backtest | undefined) => b?.status === 'done' || b?.status === 'failed';

export const getBacktest = (id: string) => api.get<Backtest>(`/backtests/${encodeURIComponent(id)}`);

export const backtestQueryOptions = (id: string) =>
  queryOptions({
    queryKey: ['backtests', id],
    queryFn: () => getBacktest(id),
    // Poll an asynchronous job until it is done or failed.
    refetchInterval: (q) => (q.state.data && !isFinished(q.state.data) ? 1_000 : false),
  });

export const useBacktest = (id: string) => useQuery(backtestQueryOptions(id));
