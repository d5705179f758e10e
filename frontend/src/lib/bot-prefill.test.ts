import { describe, expect, it } from 'vitest';
import { parsePrefill, prefillQuery, type BotPrefill } from './bot-prefill';

const prefill: BotPrefill = {
  strategy: 'sma_cross',
  params: { fast: 5, slow: 20 },
  risk: { stop_loss_pct: 2 },
  symbol: 'BTCUSDT',
  interval: '1h',
  name: 'SMA cross BTCUSDT 1h',
  source: 'bt1',
};

describe('bot prefill', () => {
  it('round-trips through a URL query', () => {
    expect(parsePrefill(new URLSearchParams(prefillQuery(prefill)))).toEqual(prefill);
  });

  it('ignores a missing, broken or incomplete prefill', () => {
    expect(parsePrefill(new URLSearchParams(''))).toBeNull();
    expect(parsePrefill(new URLSearchParams('prefill=%7Bnot-json'))).toBeNull();
    expect(parsePrefill(new URLSearchParams({ prefill: JSON.stringify({ strategy: 'x' }) }))).toBeNull();
  });

  it('keeps only the risk rules the form knows, as numbers', () => {
    const q = prefillQuery({ ...prefill, risk: { stop_loss_pct: 2, bogus: 1, take_profit_pct: 'x' } as never });
    expect(parsePrefill(new URLSearchParams(q))?.risk).toEqual({ stop_loss_pct: 2 });
  });
});
