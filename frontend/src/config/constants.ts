export const INTERVALS = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
export type Interval = (typeof INTERVALS)[number];

export const INTERVAL_MS: Record<Interval, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

export const BOT_STATUSES = ['running', 'paused', 'stopped', 'error'] as const;

/**
 * Days a deleted account's live trades are kept for audit and tax questions (the server's
 * TRADEBOT_DELETED_TRADES_RETENTION_DAYS default; the deletion's answer gives the actual date).
 */
export const DELETED_TRADES_RETENTION_DAYS = 365;

/** The symbol a new bot starts on: the most liquid pair, when the catalog lists it. */
export const DEFAULT_SYMBOL = 'BTCUSDT';

export const defaultSymbol = (symbols: { symbol: string }[]): string =>
  symbols.find((s) => s.symbol === DEFAULT_SYMBOL)?.symbol ?? symbols[0]?.symbol ?? '';
