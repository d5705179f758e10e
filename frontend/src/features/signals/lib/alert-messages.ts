/** TradingView alert messages for a signal bot: one per action, and one for a Pine strategy. TradingView fills the
 * {{placeholders}} when the alert fires and posts the message as the body (JSON when it is valid JSON). */
export type AlertMessage = { id: string; label: string; message: string };

const json = (fields: Record<string, string>) => JSON.stringify(fields);

export function alertMessages(): AlertMessage[] {
  const common = { ticker: '{{ticker}}', time: '{{timenow}}', close: '{{close}}' };
  return [
    { id: 'buy', label: 'Buy alert', message: json({ action: 'buy', ...common }) },
    { id: 'sell', label: 'Sell alert', message: json({ action: 'sell', ...common }) },
    { id: 'close', label: 'Close alert', message: json({ action: 'close', ...common }) },
    {
      id: 'strategy',
      label: 'Pine strategy (order fills)',
      message: json({
        action: '{{strategy.order.action}}',
        ticker: '{{ticker}}',
        contracts: '{{strategy.order.contracts}}',
        close: '{{close}}',
        time: '{{timenow}}',
        signal_id: '{{strategy.order.id}}-{{timenow}}',
      }),
    },
  ];
}

/** The body "send a test signal" posts: a buy for the bot's symbol with a fresh id, so it is never a duplicate.
 * No `time`: the server judges freshness by when the signal arrives, not by this browser's clock. */
export function testSignal(symbol: string, now: Date = new Date()): Record<string, string> {
  return { action: 'buy', ticker: symbol, signal_id: `test-${now.getTime()}` };
}
