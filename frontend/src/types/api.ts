// Shapes shared by more than one feature (the features keep their own types otherwise).
import type { ObjectSchema } from '@/lib/json-schema';

export type Paginated<T> = { items: T[]; next_cursor?: string | null };
export type List<T> = { items: T[] };

export type Strategy = { id: string; name: string; description?: string; params_schema: ObjectSchema };

export type MarketSymbol = {
  symbol: string;
  base_asset: string;
  quote_asset: string;
  min_notional?: string;
  [key: string]: unknown;
};

export type Candle = { open_time: number; open: string; high: string; low: string; close: string; volume: string };

export type Trade = {
  id: string;
  bot_id: string;
  symbol: string;
  side: 'BUY' | 'SELL' | 'buy' | 'sell' | string;
  price: string;
  quantity: string;
  quote_quantity?: string;
  fee?: string;
  fee_asset?: string;
  realised_pnl?: string | null;
  executed_at: string;
  client_order_id?: string;
  mode?: 'paper' | 'live' | string;
};

export type EquityPoint = { t: string | number; equity: string | number };

/** `stop_mode`: where the stop-loss / take-profit live; absent is "bot" for a saved bot (the server picks for a new one). */
export type StopMode = 'exchange' | 'bot';
export type RiskRules = { stop_loss_pct?: number; take_profit_pct?: number; trailing_stop_pct?: number; stop_mode?: StopMode };
