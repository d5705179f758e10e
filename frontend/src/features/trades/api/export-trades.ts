import { useMutation } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { TradeFilters } from './get-trades';

/** The export needs the bearer token, so it is fetched and handed to the browser as a file. */
export async function exportTradesCsv(filters: TradeFilters): Promise<void> {
  const blob = await api.get<Blob>('/trades/export.csv', { query: { ...filters }, responseType: 'blob' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `trades-${new Date().toISOString().slice(0, 10)}.csv`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

export const useExportTrades = () => useMutation({ mutationFn: exportTradesCsv });
