/** Display helpers. Money arrives as decimal strings; numbers are for display only. */
export type Decimalish = string | number | null | undefined;

export function toNumber(value: Decimalish): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

export function formatDecimal(value: Decimalish, maxDigits = 8): string {
  const n = toNumber(value);
  if (n === null) return '—';
  const digits = Math.abs(n) >= 1000 ? 2 : Math.abs(n) >= 1 ? 4 : maxDigits;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function formatMoney(value: Decimalish, currency = ''): string {
  const n = toNumber(value);
  if (n === null) return '—';
  const s = n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return currency ? `${s} ${currency}` : s;
}

export function formatSigned(value: Decimalish): string {
  const n = toNumber(value);
  if (n === null) return '—';
  return `${n > 0 ? '+' : ''}${formatMoney(n)}`;
}

export function formatPct(value: Decimalish): string {
  const n = toNumber(value);
  return n === null ? '—' : `${n.toLocaleString('en-US', { maximumFractionDigits: 2 })}%`;
}

export function pnlClass(value: Decimalish): string {
  const n = toNumber(value);
  if (n === null || n === 0) return '';
  return n > 0 ? 'pos' : 'neg';
}

/** Timestamps arrive as ISO strings, epoch ms or epoch seconds. */
export function toEpochMs(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number' || /^\d+(\.\d+)?$/.test(value)) {
    const n = Number(value);
    return n < 1e11 ? n * 1000 : n > 1e14 ? n / 1000 : n;
  }
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

export function formatDateTime(value: string | number | null | undefined): string {
  const ms = toEpochMs(value);
  if (ms === null) return '—';
  return new Date(ms).toLocaleString('en-GB', {
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** A wait in plain words: "45 seconds", "1 minute", "10 minutes", "2 hours". */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (s < 60) return plural(s, 'second');
  if (s < 3600) return plural(Math.ceil(s / 60), 'minute');
  return plural(Math.ceil(s / 3600), 'hour');
}

/** How many decimals a step such as a tick size or lot step allows: "0.01000000" -> 2, "1.00000000" -> 0. */
export function decimalsOf(step: Decimalish): number | null {
  const n = toNumber(step);
  if (n === null || n <= 0) return null;
  const text = typeof step === 'string' ? step : n.toFixed(12);
  const [, fraction = ''] = text.split('.');
  return fraction.replace(/0+$/, '').length;
}

/** A symbol's display precision: prices to its tick, quantities to its lot step, money to its quote asset. */
export type Precision = { price: number | null; qty: number | null; money: number; quote?: string; base?: string };

export type SymbolRulesLike = {
  symbol?: string;
  base_asset?: string;
  quote_asset?: string;
  min_notional?: unknown;
  tick_size?: unknown;
  step_size?: unknown;
};

export const DEFAULT_PRECISION: Precision = { price: null, qty: null, money: 2 };

/** Money is shown in cents for USDT-like quotes, more decimals when the minimum notional needs them. */
export function precisionOf(symbol: SymbolRulesLike | undefined | null): Precision {
  if (!symbol) return DEFAULT_PRECISION;
  const asText = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? v : undefined);
  return {
    price: decimalsOf(asText(symbol.tick_size)),
    qty: decimalsOf(asText(symbol.step_size)),
    money: Math.min(8, Math.max(2, decimalsOf(asText(symbol.min_notional)) ?? 2)),
    quote: symbol.quote_asset,
    base: symbol.base_asset,
  };
}

/** Precision by symbol name, for tables that mix symbols. */
export function precisionsBySymbol(symbols: SymbolRulesLike[] | undefined): Record<string, Precision> {
  const out: Record<string, Precision> = {};
  for (const s of symbols ?? []) if (s.symbol) out[s.symbol] = precisionOf(s);
  return out;
}

/** Exactly `digits` decimals with thousands separators; without known digits, the generic rule. */
export function formatFixed(value: Decimalish, digits: number | null | undefined): string {
  const n = toNumber(value);
  if (n === null) return '—';
  if (digits == null) return formatDecimal(n);
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const formatPrice = (value: Decimalish, p: Precision = DEFAULT_PRECISION) => formatFixed(value, p.price);

export const formatQty = (value: Decimalish, p: Precision = DEFAULT_PRECISION) => formatFixed(value, p.qty);

/** Money in the quote asset: "1,234.50 USDT". */
export function formatQuote(value: Decimalish, p: Precision = DEFAULT_PRECISION, withAsset = true): string {
  const s = formatFixed(value, p.money);
  return withAsset && p.quote && s !== '—' ? `${s} ${p.quote}` : s;
}

export function formatSignedQuote(value: Decimalish, p: Precision = DEFAULT_PRECISION): string {
  const n = toNumber(value);
  if (n === null) return '—';
  return `${n > 0 ? '+' : ''}${formatQuote(n, p)}`;
}

/** A strategy's human name from the catalog ("SMA crossover"), its id while the catalog loads. */
export function strategyName(strategies: { id: string; name: string }[] | undefined, id: string): string {
  return strategies?.find((s) => s.id === id)?.name ?? id;
}
