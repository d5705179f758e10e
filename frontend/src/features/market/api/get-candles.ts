import { queryOptions, useQuery } from '@tanstack/react-query';
import { INTERVAL_MS, type Interval } from '@/config/constants';
import { api } from '@/lib/api-client';
import type { Candle, List } from '@/types/api';

export type CandlesInput = { symbol: string; interval: Interval; limit?: number };

export const getCandles = ({ symbol, interval, limit = 300 }: CandlesInput, signal?: AbortSignal) =>
  api.get<List<Candle>>('/market/candles', { query: { symbol, interval, limit }, signal }).then((r) => r.items);

export const candlesQueryOptions = (input: CandlesInput) =>
  queryOptions({
    queryKey: ['market', 'candles', input],
    queryFn: ({ signal }) => getCandles(input, signal),
    // A new candle closes every interval; poll at most every 15 s.
    refetchInterval: Math.max(15_000, Math.min(INTERVAL_MS[input.interval], 60_000)),
  });

export const useCandles = (input: CandlesInput, enabled = true) => useQuery({ ...candlesQueryOptions(input), enabled });
