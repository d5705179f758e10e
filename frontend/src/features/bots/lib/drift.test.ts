import { describe, expect, it } from 'vitest';
import { scalperBot } from '@/testing/fixtures';
import type { DriftUnmatched } from '../api/get-bot-drift';
import { driftMarkers, driftPeriod, withDriftMarkers } from './drift';

const T = Date.parse('2026-03-01T10:30:00Z');
const bot = { ...scalperBot, updated_at: '2026-03-01T10:00:00.250Z', created_at: '2026-02-28T10:00:00Z', state: { last_tick_at: '2026-03-01T10:30:00Z' } };

const unmatched = (side: string, fillSide: string, at: number, reason: string): DriftUnmatched => ({
  side,
  reason,
  detail: '',
  amount: '0',
  fill: { id: `${side}${at}`, side: fillSide, leg: 'main', tick_at: at, executed_at: at, price: '1', quantity: '1', fee: '0', fee_asset: 'USDT', fee_rate: '0', reason: 'entry' },
});

describe('drift period', () => {
  it('ends at the last tick, on the platform clock, and starts where the choice says', () => {
    expect(driftPeriod(bot, 'start')).toEqual({ from: Date.parse('2026-03-01T10:00:00.250Z'), to: T });
    expect(driftPeriod(bot, 'created')).toEqual({ from: Date.parse('2026-02-28T10:00:00Z'), to: T });
    expect(driftPeriod(bot, '24h')).toEqual({ from: T - 86_400_000, to: T });
    expect(driftPeriod(bot, '1h', T + 60_000)).toEqual({ from: T + 60_000 - 3_600_000, to: T + 60_000 });
  });

  it('is none before a tick inside the period', () => {
    expect(driftPeriod({ ...bot, state: {} }, '1h')).toBeNull();
    expect(driftPeriod({ ...bot, updated_at: '2026-03-01T10:31:00Z' }, 'start')).toBeNull();
  });
});

describe('drift markers', () => {
  it('marks each unmatched fill on the candle it executed in, among the trades in time order', () => {
    const marks = driftMarkers([unmatched('live', 'SELL', T + 90_500, 'unknown'), unmatched('backtest', 'BUY', T, 'missed_tick')], '1m');
    expect(marks).toEqual([
      { time: T / 1000, side: 'buy', text: 'Backtest only: Missed tick', kind: 'drift' },
      { time: (T + 60_000) / 1000, side: 'sell', text: 'Live only: Unknown cause', kind: 'drift' },
    ]);
    const trade = { time: (T + 30_000) / 1000, side: 'buy' as const, text: 'Entry 1' };
    expect(withDriftMarkers([trade], marks).map((m) => m.text)).toEqual(['Backtest only: Missed tick', 'Entry 1', 'Live only: Unknown cause']);
    expect(driftMarkers(undefined, '1m')).toEqual([]);
  });
});
