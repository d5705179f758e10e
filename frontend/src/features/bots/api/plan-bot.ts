import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { CreateBotInput } from '../types';

export type PlannedOrder = { leg: string; side: string; price: string; quote: string; quantity: string; value: string; note: string };
export type PlanProblem = { field: string; code: string; message: string };
export type BotPlan = {
  strategy: string;
  symbol: string;
  quote_asset: string;
  price: string | null;
  budget: string;
  investment: string;
  min_order_quote: string;
  levels: string[];
  orders: PlannedOrder[];
  problems: PlanProblem[];
  ok: boolean;
};

export type PlanInput = Omit<CreateBotInput, 'name'>;

/** POST /bots/plan: what a bot with these inputs would do at the current price, and why it would be refused. */
export const planBot = (input: PlanInput, signal?: AbortSignal) => api.post<BotPlan>('/bots/plan', input, { signal });

/** The plan of the form's current inputs; `input` null (the inputs do not parse yet) asks nothing. */
export function useBotPlan(input: PlanInput | null) {
  return useQuery({
    queryKey: ['bots', 'plan', input],
    queryFn: ({ signal }) => planBot(input as PlanInput, signal),
    enabled: input !== null,
    placeholderData: keepPreviousData,
    staleTime: 15_000,
  });
}
