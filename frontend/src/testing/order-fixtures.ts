import type { BotOrder } from '@/features/bots/api/get-bot-orders';
import type { Strategy } from '@/types/api';

/** An open grid buy limit as GET /bots/{id}/orders lists it; tests override what they are about. */
export const order = (over: Partial<BotOrder>): BotOrder => ({
  client_order_id: `c-${over.key ?? 'k'}-${over.type ?? 'LIMIT'}-${String(over.price ?? '100')}`,
  type: 'LIMIT',
  side: 'BUY',
  price: '100',
  stop_price: null,
  quantity: '1',
  filled_quantity: '0',
  average_price: null,
  status: 'NEW',
  purpose: 'grid_buy',
  key: 'grid_buy_0',
  order_list_id: null,
  created_at: '2026-03-01T10:00:00Z',
  updated_at: '2026-03-01T10:00:00Z',
  ...over,
});

/** The grid as its schema reads once it carries the order type of issue #14 (market for bots saved before it). */
export const gridWithOrderType: Strategy = {
  id: 'grid',
  name: 'Grid',
  params_schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      lower: { type: 'number', exclusiveMinimum: 0, default: 50000 },
      upper: { type: 'number', exclusiveMinimum: 0, default: 70000 },
      levels: { type: 'integer', minimum: 2, maximum: 100, default: 10 },
      spacing: { type: 'string', enum: ['arithmetic', 'geometric'], default: 'arithmetic' },
      order_type: { type: 'string', enum: ['market', 'limit', 'limit_maker'], default: 'market', description: 'How each level trades' },
    },
  },
};
