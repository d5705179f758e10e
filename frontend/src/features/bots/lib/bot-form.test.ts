import { describe, expect, it } from 'vitest';
import { grid, smaCross } from '@/testing/fixtures';
import type { Bot } from '../types';
import { botChanges, botFormValues, botSchema, mergeRisk, runningBotSchema } from './bot-form';

const gridBot: Bot = {
  id: 'b1',
  name: 'Grid',
  strategy: 'grid',
  // Saved without the params that have defaults: the form shows the defaults for those.
  params: { levels: 4 },
  symbol: 'BTCUSDT',
  interval: '1h',
  mode: 'live',
  api_key_id: 'k1',
  budget: '250.50',
  risk: { trailing_stop_pct: 3, trailing_activation_pct: 1, cooldown_bars: 2 },
  status: 'stopped',
};

function changes(bot: Bot, edit: Record<string, unknown>, { locked = false } = {}) {
  const strategies = [smaCross, grid];
  const initial = botFormValues(bot, strategies.find((s) => s.id === bot.strategy));
  const values = { ...initial, ...edit };
  const strategy = strategies.find((s) => s.id === values.strategy);
  const parsed = (locked ? runningBotSchema() : botSchema(strategy)).parse(values) as Record<string, unknown>;
  return botChanges({ bot, initial, values, parsed, strategy, locked });
}

describe('bot edit payload', () => {
  it("pre-fills the form from the bot, the schema's defaults filling params it was saved without", () => {
    expect(botFormValues(gridBot, grid)).toEqual({
      name: 'Grid',
      budget: '250.50',
      strategy: 'grid',
      symbol: 'BTCUSDT',
      interval: '1h',
      mode: 'live',
      api_key_id: 'k1',
      'risk.stop_loss_pct': '',
      'risk.take_profit_pct': '',
      'risk.trailing_stop_pct': '3',
      'params.lower': '50000',
      'params.upper': '70000',
      'params.levels': '4',
      'params.spacing': 'arithmetic',
      'params.rebalance': false,
    });
  });

  it('sends only what the user edited: defaults shown for params the bot lacks are not a change', () => {
    expect(changes(gridBot, {})).toEqual({});
    expect(changes(gridBot, { name: 'Grid 2' })).toEqual({ name: 'Grid 2' });
    expect(changes(gridBot, { 'params.levels': '5' })).toEqual({
      params: { lower: 50000, upper: 70000, levels: 5, spacing: 'arithmetic', rebalance: false },
    });
  });

  it('drops an edit that ends on the saved value (a name trimmed back, the same budget)', () => {
    expect(changes(gridBot, { name: ' Grid ', budget: '250.50' })).toEqual({});
  });

  it('sends the mode alone when going to paper (the API drops the key) and the key when it changes', () => {
    expect(changes(gridBot, { mode: 'paper' })).toEqual({ mode: 'paper' });
    expect(changes(gridBot, { api_key_id: 'k2' })).toEqual({ api_key_id: 'k2' });
  });

  it('sends nothing but name, budget and risk for a locked bot, whatever the values hold', () => {
    expect(changes({ ...gridBot, status: 'running' }, { name: 'Grid 2', symbol: 'ETHUSDT', 'params.levels': '5' }, { locked: true })).toEqual({
      name: 'Grid 2',
    });
  });

  it('keeps the risk rules the form does not edit, and drops a trailing activation with its trailing stop', () => {
    expect(changes(gridBot, { 'risk.stop_loss_pct': '4' })).toEqual({
      risk: { stop_loss_pct: 4, trailing_stop_pct: 3, trailing_activation_pct: 1, cooldown_bars: 2 },
    });
    expect(changes(gridBot, { 'risk.trailing_stop_pct': '' })).toEqual({ risk: { cooldown_bars: 2 } });
    expect(mergeRisk(null, { take_profit_pct: 10 })).toEqual({ take_profit_pct: 10 });
  });
});
