import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Paginated } from '@/types/api';

/** What an order is for, as the platform records it (chalicelib/domain/resting.py OrderPurpose). */
export type OrderPurpose = 'grid_buy' | 'grid_sell' | 'safety_order' | 'take_profit' | 'stop_loss' | 'protect';

export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'PENDING_CANCEL' | 'REJECTED' | 'EXPIRED' | 'EXPIRED_IN_MATCH';

/** One order a bot placed that can rest on the exchange. Decimals arrive as strings; an OCO's two legs share `order_list_id`. */
export type BotOrder = {
  client_order_id: string;
  type: string;
  side: string;
  price: string | number | null;
  stop_price: string | number | null;
  quantity: string | number;
  filled_quantity: string | number;
  average_price?: string | number | null;
  status: OrderStatus | string;
  purpose: OrderPurpose | string;
  key: string;
  order_list_id?: string | null;
  created_at?: string | number | null;
  updated_at?: string | number | null;
};

export type OrdersFilter = 'open' | 'all';

export const ORDERS_PAGE = 100;

/** GET /bots/{id}/orders: newest first, a page at a time. */
export const getBotOrders = (id: string, status: OrdersFilter, cursor?: string, signal?: AbortSignal) =>
  api.get<Paginated<BotOrder>>(`/bots/${encodeURIComponent(id)}/orders`, { query: { status, limit: ORDERS_PAGE, cursor }, signal });

/** Polled like the bot's trades while it runs: a resting order fills, or is replaced, between ticks. */
export const botOrdersQueryOptions = (id: string, status: OrdersFilter, running: boolean) =>
  infiniteQueryOptions({
    queryKey: ['bots', id, 'orders', status],
    queryFn: ({ pageParam, signal }) => getBotOrders(id, status, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: running ? 10_000 : false,
  });

export const useBotOrders = (id: string, status: OrdersFilter, running: boolean) => useInfiniteQuery(botOrdersQueryOptions(id, status, running));

/** Every order of the pages loaded so far. */
export const ordersOf = (pages: Array<Paginated<BotOrder>> | undefined): BotOrder[] => (pages ?? []).flatMap((p) => p.items);
