import { describe, expect, it } from 'vitest';
import { alertMessages, testSignal } from './alert-messages';

describe('alert messages', () => {
  it('gives one valid JSON message per action and one for a Pine strategy', () => {
    const messages = alertMessages();
    expect(messages.map((m) => m.id)).toEqual(['buy', 'sell', 'close', 'strategy']);
    for (const m of messages) expect(() => JSON.parse(m.message) as unknown).not.toThrow();
    expect(JSON.parse(messages[0]!.message)).toEqual({ action: 'buy', ticker: '{{ticker}}', time: '{{timenow}}', close: '{{close}}' });
    expect(JSON.parse(messages[3]!.message)).toMatchObject({ action: '{{strategy.order.action}}', signal_id: '{{strategy.order.id}}-{{timenow}}' });
  });

  it('makes a test signal for the symbol with a fresh id', () => {
    const at = new Date('2026-03-01T10:00:00Z');
    expect(testSignal('BTCUSDT', at)).toEqual({ action: 'buy', ticker: 'BTCUSDT', signal_id: `test-${at.getTime()}` });
  });
});
