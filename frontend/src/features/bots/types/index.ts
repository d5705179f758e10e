import type { Interval } from '@/config/constants';
import type { RiskRules } from '@/types/api';

export type BotStatus = 'stopped' | 'running' | 'paused' | 'error';

export type BotState = {
  in_position?: boolean;
  entry_price?: string | null;
  quantity?: string | null;
  unrealised_pnl?: string | null;
  realised_pnl?: string | null;
  last_tick_at?: string | null;
  last_error?: string | null;
};

export type Bot = {
  id: string;
  name: string;
  strategy: string;
  params: Record<string, unknown>;
  symbol: string;
  interval: Interval;
  mode: 'paper' | 'live';
  api_key_id?: string | null;
  budget: string;
  risk?: BotRisk | null;
  status: BotStatus;
  state?: BotState | null;
  /** When the next tick is due (the platform's clock: market time under an accelerated local clock); null unless running. */
  next_tick_at?: string | null;
  created_at?: string;
  /** The last start, stop or edit (the drift report's default period starts at a running bot's). */
  updated_at?: string;
  last_error?: string | null;
};

export type CreateBotInput = {
  name: string;
  strategy: string;
  params: Record<string, unknown>;
  symbol: string;
  interval: string;
  mode: 'paper' | 'live';
  api_key_id?: string;
  budget: string;
  risk: RiskRules;
};

/** Risk rules as the API stores them: the three the forms edit plus others it keeps (position size, cooldown…). */
export type BotRisk = RiskRules & Record<string, unknown>;

/** PATCH /bots/{id}: only the fields that change. A running or paused bot accepts name, budget and risk only. */
export type UpdateBotInput = Partial<Omit<CreateBotInput, 'risk'>> & { risk?: BotRisk };

export type BotAction = 'start' | 'stop' | 'pause' | 'resume';
