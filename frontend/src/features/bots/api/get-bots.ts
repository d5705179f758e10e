import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { List } from '@/types/api';
import type { Bot } from '../types';

export const getBots = () => api.get<List<Bot>>('/bots').then((r) => r.items);

export const botsQueryOptions = () => queryOptions({ queryKey: ['bots'], queryFn: getBots, refetchInterval: 30_000 });

export const useBots = () => useQuery(botsQueryOptions());
