import { describe, expect, it } from 'vitest';
import {
  decimalsOf,
  formatPrice,
  formatQty,
  formatQuote,
  formatSignedQuote,
  precisionOf,
  precisionsBySymbol,
  strategyName,
} from './format';

const BTC = {
  symbol: 'BTCUSDT',
  base_asset: 'BTC',
  quote_asset: 'USDT',
  min_notional: '5.00000000',
  tick_size: '0.01000000',
  step_size: '0.00001000',
};

describe('precision formatting', () => {
  it('reads the decimals a step allows', () => {
    expect(decimalsOf('0.01000000')).toBe(2);
    expect(decimalsOf('0.00001000')).toBe(5);
    expect(decimalsOf('1.00000000')).toBe(0);
    expect(decimalsOf(0.001)).toBe(3);
    expect(decimalsOf('0')).toBeNull();
    expect(decimalsOf(undefined)).toBeNull();
  });

  it('prints prices to the tick, quantities to the step and money in cents of the quote', () => {
    const p = precisionOf(BTC);
    expect(formatPrice('5644.53847674', p)).toBe('5,644.54');
    expect(formatQty('0.01772226', p)).toBe('0.01772');
    expect(formatQuote('0.09970376', p)).toBe('0.10 USDT');
    expect(formatQuote('5', p, false)).toBe('5.00');
    expect(formatSignedQuote('1.5', p)).toBe('+1.50 USDT');
    expect(formatSignedQuote('-0.134', p)).toBe('-0.13 USDT');
    expect(formatPrice(null, p)).toBe('—');
  });

  it('falls back to the generic rule for an unknown symbol', () => {
    expect(formatPrice('5644.53847674')).toBe('5,644.54');
    expect(formatQuote('1')).toBe('1.00');
  });

  it('keys precisions by symbol and names strategies', () => {
    expect(precisionsBySymbol([BTC]).BTCUSDT?.price).toBe(2);
    const catalog = [{ id: 'sma_cross', name: 'SMA crossover' }];
    expect(strategyName(catalog, 'sma_cross')).toBe('SMA crossover');
    expect(strategyName(undefined, 'grid')).toBe('grid');
  });
});
