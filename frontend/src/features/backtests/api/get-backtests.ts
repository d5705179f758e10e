import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Paginated } from '@/types/api';
import type { Backtest } from '../types';

export const getBacktests = () => api.get<Paginated<Backtest>>('/backtests').then((r) => r.items);

export const backtestsQueryOptions = () => queryOptions({ queryKey: ['backtests'], queryFn: getBacktests });

export const useBacktests = () => useQuery(backtestsQueryOptions());
