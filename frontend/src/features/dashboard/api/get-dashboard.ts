import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Dashboard } from '../types';

export const getDashboard = () => api.get<Dashboard>('/dashboard');

export const dashboardQueryOptions = () => queryOptions({ queryKey: ['dashboard'], queryFn: getDashboard, refetchInterval: 30_000 });

export const useDashboard = () => useQuery(dashboardQueryOptions());
