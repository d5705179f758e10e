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
