import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Bot } from '../types';

export const getBot = (id: string) => api.get<Bot>(`/bots/${encodeURIComponent(id)}`);

export const botQueryOptions = (id: string) =>
  queryOptions({
    queryKey: ['bots', id],
    queryFn: () => getBot(id),
    // Follow a running bot's state; an idle one changes only when the user acts.
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 10_000 : false),
  });

export const useBot = (id: string) => useQuery(botQueryOptions(id));
