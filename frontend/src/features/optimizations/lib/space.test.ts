import { describe, expect, it } from 'vitest';
import type { ObjectSchema } from '@/lib/json-schema';
import { buildRequest, buildSpace, gridSize, spaceDefaults, type Raw } from './space';

const sma: ObjectSchema = {
  type: 'object',
  required: ['fast', 'slow'],
  properties: {
    fast: { type: 'integer', minimum: 2, maximum: 200, default: 10 },
    slow: { type: 'integer', minimum: 3, maximum: 500, default: 30 },
    band: { type: 'number', minimum: 0, maximum: 5, default: 1.5 },
    side: { type: 'string', enum: ['long', 'short'], default: 'long' },
  },
  'x-rules': [{ field: 'fast', less_than: 'slow' }],
};

const base: Raw = {
  strategy: 'sma_cross', symbol: 'BTCUSDT', interval: '1h', source: 'range', start: '2025-01-01T00:00', end: '2025-02-01T00:00', csv: '',
  objective: 'total_return', min_trades: '2', sampler: 'grid', trials: '100', test_pct: '25', fee: '0.001', cash: '5000',
};

const raw = (extra: Raw): Raw => ({ ...base, ...spaceDefaults(sma), ...extra });

describe('the search space of the Optimize form', () => {
  it('offers every numeric parameter fixed at its default, with a range around it ready', () => {
    const d = spaceDefaults(sma);
    expect(d['params.fast']).toBe('10');
    expect(d['mode.fast']).toBe('fixed');
    expect([d['space.fast.low'], d['space.fast.high'], d['space.fast.step']]).toEqual(['5', '20', '3']);
    expect(d['mode.side']).toBeUndefined();
  });

  it('turns ranges into {low, high, step} and keeps the rest as fixed params', () => {
    const out = buildSpace(
      sma,
      raw({ 'mode.fast': 'range', 'space.fast.low': '5', 'space.fast.high': '15', 'space.fast.step': '5', 'mode.slow': 'range', 'space.slow.low': '20', 'space.slow.high': '50', 'space.slow.step': '' }),
      'tpe',
    );
    expect(out.errors).toEqual({});
    expect(out.space).toEqual({ fast: { low: 5, high: 15, step: 5 }, slow: { low: 20, high: 50 } });
    expect(out.params).toEqual({ band: 1.5, side: 'long' });
  });

  it('builds the whole POST body; a grid sends its point count as the trials', () => {
    const { body, errors } = buildRequest(
      sma,
      raw({ 'mode.fast': 'range', 'space.fast.low': '5', 'space.fast.high': '15', 'space.fast.step': '5', 'mode.slow': 'range', 'space.slow.low': '20', 'space.slow.high': '50', 'space.slow.step': '10' }),
    );
    expect(errors).toEqual({});
    expect(body).toEqual({
      strategy: 'sma_cross', params: { band: 1.5, side: 'long' }, risk: {},
      space: { fast: { low: 5, high: 15, step: 5 }, slow: { low: 20, high: 50, step: 10 } },
      objective: 'total_return', min_trades: 2, sampler: 'grid', trials: 12, validation: { test_pct: 25 },
      symbol: 'BTCUSDT', interval: '1h', start: new Date('2025-01-01T00:00').toISOString(), end: new Date('2025-02-01T00:00').toISOString(),
      fee: 0.001, cash: 5000,
    });
  });

  it('fixes a risk rule or searches it as risk.<name>; an untouched rule is left out', () => {
    const { body, errors } = buildRequest(
      sma,
      raw({
        'mode.fast': 'range', 'mode.risk.stop_loss_pct': 'fixed', 'risk.stop_loss_pct': '2',
        'mode.risk.take_profit_pct': 'range', 'space.risk.take_profit_pct.low': '2', 'space.risk.take_profit_pct.high': '8', 'space.risk.take_profit_pct.step': '2',
      }),
    );
    expect(errors).toEqual({});
    expect(body?.risk).toEqual({ stop_loss_pct: 2 });
    expect(body?.space['risk.take_profit_pct']).toEqual({ low: 2, high: 8, step: 2 });
    expect(body?.space['risk.trailing_stop_pct']).toBeUndefined();
    expect(body?.trials).toBe(6 * 4); // fast 5..20 by 3, take-profit 2..8 by 2
    const bad = buildRequest(sma, raw({ 'mode.risk.stop_loss_pct': 'range', 'space.risk.stop_loss_pct.low': '1', 'space.risk.stop_loss_pct.high': '200' }));
    expect(bad.errors['space.risk.stop_loss_pct.high']).toBe('Must be at most 100');
    expect(bad.errors.space).toBeUndefined();
    expect(buildRequest(sma, raw({ 'mode.fast': 'range', 'mode.risk.stop_loss_pct': 'fixed', 'risk.stop_loss_pct': '' })).errors['risk.stop_loss_pct']).toBe('Required');
  });

  it('sends a CSV instead of a period when one is uploaded', () => {
    const { body } = buildRequest(sma, raw({ 'mode.fast': 'range', sampler: 'random', trials: '40', source: 'csv', csv: 'open_time,open\n1,2' }));
    expect(body?.csv).toBe('open_time,open\n1,2');
    expect(body?.start).toBeUndefined();
    expect(body?.trials).toBe(40);
  });

  it('names the input of every wrong range', () => {
    const { body, errors } = buildRequest(
      sma,
      raw({ 'mode.fast': 'range', 'space.fast.low': '9', 'space.fast.high': '4', 'mode.band': 'range', 'space.band.low': '0', 'space.band.high': '9', 'space.band.step': '' }),
    );
    expect(body).toBeNull();
    expect(errors['space.fast.high']).toBe('Must be at least the low end');
    expect(errors['space.band.high']).toBe('Must be at most 5');
    expect(errors['space.band.step']).toBe('A grid needs a step');
  });

  it('refuses a space without a range, and one where fast can never go below slow', () => {
    expect(buildRequest(sma, raw({})).errors.space).toMatch(/at least one parameter a range/);
    const { errors } = buildRequest(sma, raw({ 'mode.fast': 'range', 'space.fast.low': '40', 'space.fast.high': '60', 'params.slow': '30' }));
    expect(errors['space.fast']).toBe('Must go below slow');
    expect(errors['params.slow']).toBe('Must go above fast');
  });

  it('counts grid points and holds the trials to the per-user limit', () => {
    expect(gridSize({ fast: { low: 5, high: 30 }, slow: { low: 20, high: 120, step: 5 }, tp: { choices: [2, 4, 8] } })).toBe(26 * 21 * 3);
    const { errors } = buildRequest(sma, raw({ 'mode.fast': 'range', 'space.fast.low': '2', 'space.fast.high': '200', 'space.fast.step': '1', 'mode.slow': 'range', 'space.slow.low': '3', 'space.slow.high': '500', 'space.slow.step': '1' }));
    expect(errors.trials).toMatch(/grid has \d+ points; at most 2000/);
    expect(buildRequest(sma, raw({ 'mode.fast': 'range', sampler: 'tpe', trials: '0' })).errors.trials).toBeDefined();
    expect(buildRequest(sma, raw({ 'mode.fast': 'range', test_pct: '70' })).errors['validation.test_pct']).toBeDefined();
  });
});
