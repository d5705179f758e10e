import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Paginated, Trade } from '@/types/api';

export type TradeFilters = { bot_id?: string; symbol?: string; side?: string; start?: string; end?: string };

export const PAGE_SIZE = 50;

export const getTrades = (filters: TradeFilters, cursor: string | undefined, signal?: AbortSignal) =>
  api.get<Paginated<Trade>>('/trades', { query: { ...filters, cursor, limit: PAGE_SIZE }, signal });

export const tradesQueryOptions = (filters: TradeFilters, cursor?: string) =>
  queryOptions({
    queryKey: ['trades', filters, cursor ?? null],
    queryFn: ({ signal }) => getTrades(filters, cursor, signal),
    placeholderData: keepPreviousData,
  });

export const useTrades = (filters: TradeFilters, cursor?: string) => useQuery(tradesQueryOptions(filters, cursor));
