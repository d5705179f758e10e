import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';

export type BotPlot = { name: string; pane: 'price' | 'oscillator' | string; points: { time: number; value: number }[] };
export type SafetyOrder = { leg: string; price: number; quote: number; filled: boolean };

/** GET /bots/{id}/chart: what the strategy draws (indicators, grid levels, the DCA cycle's safety orders). */
export type BotChart = {
  plots: BotPlot[];
  levels: number[];
  held_cells: number[];
  dca_base_price: number | null;
  dca_in_cycle: boolean;
  safety_orders: SafetyOrder[];
};

export const getBotChart = (id: string, limit: number, signal?: AbortSignal) =>
  api.get<BotChart>(`/bots/${encodeURIComponent(id)}/chart`, { query: { limit }, signal });

export const botChartQueryOptions = (id: string, limit: number, running: boolean) =>
  queryOptions({
    queryKey: ['bots', id, 'chart', limit],
    queryFn: ({ signal }) => getBotChart(id, limit, signal),
    refetchInterval: running ? 30_000 : false,
  });

export const useBotChart = (id: string, limit: number, running: boolean) => useQuery(botChartQueryOptions(id, limit, running));
