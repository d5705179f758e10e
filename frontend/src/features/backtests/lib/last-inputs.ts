import type { Strategy } from '@/types/api';

/** The backtest form's last submitted inputs, kept in this browser so the next run starts from them. */
export const LAST_INPUTS_KEY = 'tradebot.backtest-form.v1';

// An uploaded CSV can be megabytes and is not an input the user types: it is not kept.
const NOT_KEPT = new Set(['csv']);

export function saveLastInputs(values: Record<string, unknown>, storage: Storage | undefined = globalThis.localStorage): void {
  const kept = Object.fromEntries(Object.entries(values).filter(([k, v]) => !NOT_KEPT.has(k) && (typeof v === 'string' || typeof v === 'boolean')));
  try {
    storage?.setItem(LAST_INPUTS_KEY, JSON.stringify(kept));
  } catch {
    // Storage full or disabled (private mode): the form simply starts from its defaults next time.
  }
}

/**
 * The saved inputs over `defaults`, when their strategy is still offered; only keys the saved strategy's
 * form has are taken (`known`), so a stale or hand-edited entry cannot add fields.
 */
export function loadLastInputs(
  strategies: Strategy[],
  defaultsFor: (strategy: Strategy) => Record<string, unknown>,
  storage: Storage | undefined = globalThis.localStorage,
): Record<string, unknown> | null {
  let saved: unknown;
  try {
    saved = JSON.parse(storage?.getItem(LAST_INPUTS_KEY) ?? 'null');
  } catch {
    return null;
  }
  if (typeof saved !== 'object' || saved === null) return null;
  const values = saved as Record<string, unknown>;
  const strategy = strategies.find((s) => s.id === values.strategy);
  if (!strategy) return null;
  const defaults = defaultsFor(strategy);
  const known = Object.fromEntries(Object.entries(values).filter(([k, v]) => k in defaults && typeof v === typeof defaults[k]));
  return { ...defaults, ...known };
}
