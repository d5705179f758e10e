import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { List, Strategy } from '@/types/api';

export const getStrategies = () => api.get<List<Strategy>>('/strategies').then((r) => r.items);

export const strategiesQueryOptions = () =>
  queryOptions({ queryKey: ['strategies'], queryFn: getStrategies, staleTime: 5 * 60_000 });

export const useStrategies = () => useQuery(strategiesQueryOptions());
