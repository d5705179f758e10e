import { describe, expect, it } from 'vitest';
import { gridWithOrderType } from '@/testing/order-fixtures';
import { enumLabel } from './enum-labels';
import { paramFields } from './json-schema';
import { riskConfigSchema, riskPayload, strategyConfigDefaults, strategyConfigValues } from './strategy-config';

describe('enum labels', () => {
  it("prefers the schema's own label, then the app's, then the value humanised", () => {
    expect(enumLabel('order_type', 'limit', { limit: 'Resting limit' })).toBe('Resting limit');
    expect(enumLabel('order_type', 'limit_maker')).toBe('Limit maker (rests at the level, refused if it would fill at once; maker fee only)');
    expect(enumLabel('stop_mode', 'exchange')).toBe('On the exchange (fires even if the platform is down)');
    expect(enumLabel('stop_mode', 'bot')).toBe('Checked by the bot each candle');
    expect(enumLabel('unknown_field', 'post_only')).toBe('Post only');
  });

  it('gives every enum field of a schema its choices with labels, in the schema order', () => {
    const orderType = paramFields(gridWithOrderType.params_schema).find((f) => f.name === 'order_type')!;
    expect(orderType.kind).toBe('enum');
    expect(orderType.choices.map((c) => c.value)).toEqual(['market', 'limit', 'limit_maker']);
    expect(orderType.choices.map((c) => c.label)[0]).toBe('Market (at the next open once the price crosses the level)');
  });
});

describe('stop mode in the risk rules', () => {
  it('is a form value only once set, and goes back into the risk rules when chosen', () => {
    expect(strategyConfigValues(undefined, { risk: { stop_loss_pct: 2 } })).not.toHaveProperty('risk.stop_mode');
    expect(strategyConfigValues(undefined, { risk: { stop_loss_pct: 2, stop_mode: 'exchange' } })).toMatchObject({ 'risk.stop_mode': 'exchange' });
    const base = { 'risk.stop_loss_pct': '2', 'risk.take_profit_pct': '', 'risk.trailing_stop_pct': '' };
    expect(riskPayload(riskConfigSchema().parse(base))).toEqual({ stop_loss_pct: 2 });
    expect(riskPayload(riskConfigSchema().parse({ ...base, 'risk.stop_mode': '' }))).toEqual({ stop_loss_pct: 2 });
    expect(riskPayload(riskConfigSchema().parse({ ...base, 'risk.stop_mode': 'bot' }))).toEqual({ stop_loss_pct: 2, stop_mode: 'bot' });
    expect(riskConfigSchema().safeParse({ ...base, 'risk.stop_mode': 'somewhere' }).success).toBe(false);
  });

  it("starts a new grid on limit orders while a saved one keeps the schema's default", () => {
    expect(strategyConfigDefaults(gridWithOrderType)).toMatchObject({ 'params.order_type': 'limit' });
    expect(strategyConfigValues(gridWithOrderType, { params: { lower: 1, upper: 2 } })).toMatchObject({ 'params.order_type': 'market' });
  });
});
