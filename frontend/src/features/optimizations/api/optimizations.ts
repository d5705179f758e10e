import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Paginated } from '@/types/api';
import type { CreatedBot, CreateOptimizationInput, Optimization } from '../types';

/** How often a running job is polled (the issue asks for 2 s). */
export const POLL_MS = 2_000;

export const isEnded = (o: Optimization | undefined) => o?.status === 'done' || o?.status === 'cancelled' || o?.status === 'failed';

const path = (id: string) => `/optimizations/${encodeURIComponent(id)}`;

export const optimizationQueryOptions = (id: string) =>
  queryOptions({
    queryKey: ['optimizations', id],
    queryFn: () => api.get<Optimization>(path(id)),
    refetchInterval: (q) => (q.state.data && !isEnded(q.state.data) ? POLL_MS : false),
  });

export const useOptimization = (id: string) => useQuery(optimizationQueryOptions(id));

export const useOptimizations = () =>
  useQuery({ queryKey: ['optimizations'], queryFn: () => api.get<Paginated<Optimization>>('/optimizations', { query: { limit: 20 } }).then((r) => r.items) });

export function useCreateOptimization({ onSuccess }: { onSuccess?: (o: Optimization) => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: CreateOptimizationInput) => api.post<Optimization>('/optimizations', input),
    onSuccess: (o) => {
      queryClient.setQueryData(['optimizations', o.id], o);
      void queryClient.invalidateQueries({ queryKey: ['optimizations'], exact: true });
      onSuccess?.(o);
    },
  });
}

export function useCancelOptimization(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.delete<Optimization>(path(id)),
    onSuccess: (o) => queryClient.setQueryData(['optimizations', id], o),
  });
}

export function useCreateTrialBot(id: string, { onSuccess }: { onSuccess?: (bot: CreatedBot) => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (trial: number) => api.post<CreatedBot>(`${path(id)}/bots`, { trial }),
    onSuccess: (bot) => {
      void queryClient.invalidateQueries({ queryKey: ['bots'] });
      onSuccess?.(bot);
    },
  });
}
