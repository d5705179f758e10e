/** A signal bot's backtest takes the signals its alerts sent, pasted as CSV `time,action[,amount]`. */

export const SIGNALS_PLACEHOLDER = 'time,action,amount\n2025-11-03T05:20:00Z,buy,\n2025-11-04T11:00:00Z,close,';

export const takesSignals = (strategyId: string | undefined) => strategyId === 'signal';

/**
 * The request's `signals` field: the pasted CSV as the API takes it (the server parses and validates it,
 * naming the bad row), only for the signal strategy and only when something was pasted.
 */
export function signalsPayload(strategyId: string, text: string): { signals?: string } {
  const trimmed = text.trim();
  return takesSignals(strategyId) && trimmed ? { signals: trimmed } : {};
}
