import type { EquityPoint, Trade } from '@/types/api';

type Amount = string | number | null;
/** A total, or the same total split by mode. */
export type ModeAmount = Amount | { paper?: Amount; live?: Amount };

export type OpenPosition = {
  bot_id: string;
  bot_name?: string;
  symbol: string;
  quantity?: string;
  entry_price?: string;
  unrealised_pnl?: string;
  mode?: string;
};

export type Dashboard = {
  equity_by_mode: { paper?: Amount; live?: Amount };
  pnl: { today: ModeAmount; d7: ModeAmount; all_time: ModeAmount };
  open_positions: OpenPosition[];
  bots_by_status: Record<string, number>;
  latest_trades: Trade[];
  equity_curve: EquityPoint[];
};
