import { useMemo } from 'react';
import { useSymbols } from '@/features/market/api/get-symbols';
import { useStrategies } from '@/features/strategies/api/get-strategies';
import { precisionsBySymbol, type Precision } from '@/lib/format';

export type Presentation = {
  /** Display precision by symbol: prices to the tick, quantities to the lot step, money to the quote. */
  precisions: Record<string, Precision>;
  /** Human strategy names by id ("SMA crossover" for sma_cross). */
  strategyNames: Record<string, string>;
};

/** What pages need to print numbers and names as a trader reads them; both catalogs are cached for minutes. */
export function usePresentation(): Presentation {
  const symbols = useSymbols();
  const strategies = useStrategies();
  return useMemo(
    () => ({
      precisions: precisionsBySymbol(symbols.data),
      strategyNames: Object.fromEntries((strategies.data ?? []).map((s) => [s.id, s.name])),
    }),
    [symbols.data, strategies.data],
  );
}
