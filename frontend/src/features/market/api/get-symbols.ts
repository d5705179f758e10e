import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { List, MarketSymbol } from '@/types/api';

export const getSymbols = () => api.get<List<MarketSymbol>>('/market/symbols').then((r) => r.items);

export const symbolsQueryOptions = () => queryOptions({ queryKey: ['market', 'symbols'], queryFn: getSymbols, staleTime: 10 * 60_000 });

export const useSymbols = () => useQuery(symbolsQueryOptions());
