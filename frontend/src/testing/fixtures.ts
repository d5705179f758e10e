import type { Bot } from '@/features/bots/types';
import type { MarketSymbol, Strategy } from '@/types/api';

export const smaCross: Strategy = {
  id: 'sma_cross',
  name: 'SMA crossover',
  description: 'Buy when the fast SMA crosses above the slow one.',
  params_schema: {
    type: 'object',
    additionalProperties: false,
    required: ['fast', 'slow'],
    properties: {
      fast: { type: 'integer', minimum: 2, maximum: 200, default: 10, description: 'Fast period' },
      slow: { type: 'integer', minimum: 3, maximum: 500, default: 30, description: 'Slow period' },
    },
  },
};

export const grid: Strategy = {
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
      rebalance: { type: 'boolean', default: false },
    },
  },
};

export const btc: MarketSymbol = { symbol: 'BTCUSDT', base_asset: 'BTC', quote_asset: 'USDT', min_notional: '5' };
export const eth: MarketSymbol = { symbol: 'ETHUSDT', base_asset: 'ETH', quote_asset: 'USDT', min_notional: '5' };

/** A running paper bot; tests spread it and override what they are about. */
export const scalperBot: Bot = {
  id: 'b1',
  name: 'Scalper',
  strategy: 'sma_cross',
  params: { fast: 5, slow: 20 },
  symbol: 'BTCUSDT',
  interval: '1m',
  mode: 'paper',
  budget: '100',
  status: 'running',
};
