import { describe, expect, it } from 'vitest';
import type { Trade } from '@/types/api';
import { tradeMarkers } from './trade-markers';

const t = (side: string, executed_at: string, price = '100'): Trade => ({ id: executed_at, bot_id: 'b', symbol: 'BTCUSDT', side, price, quantity: '1', executed_at });

describe('tradeMarkers', () => {
  it('puts buys as entries and sells as exits on the open of the candle they filled in, oldest first', () => {
    const markers = tradeMarkers([t('SELL', '2026-03-01T10:17:42Z', '105.5'), t('buy', '2026-03-01T10:02:05Z', '100')], '15m');
    expect(markers).toEqual([
      { time: Date.parse('2026-03-01T10:00:00Z') / 1000, side: 'buy', text: 'Entry 100' },
      { time: Date.parse('2026-03-01T10:15:00Z') / 1000, side: 'sell', text: 'Exit 105.5' },
    ]);
  });

  it('skips trades without a readable time', () => {
    expect(tradeMarkers([t('BUY', 'not a date')], '1m')).toEqual([]);
  });
});
