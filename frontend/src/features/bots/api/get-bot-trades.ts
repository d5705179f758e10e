import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Paginated, Trade } from '@/types/api';

export const getBotTrades = (id: string, cursor?: string) =>
  api.get<Paginated<Trade>>(`/bots/${encodeURIComponent(id)}/trades`, { query: { cursor, limit: 100 } });

export const botTradesQueryOptions = (id: string, running: boolean) =>
  queryOptions({
    queryKey: ['bots', id, 'trades'],
    queryFn: () => getBotTrades(id),
    refetchInterval: running ? 10_000 : false,
  });

export const useBotTrades = (id: string, running: boolean) => useQuery(botTradesQueryOptions(id, running));
