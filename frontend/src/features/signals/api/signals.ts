import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Paginated } from '@/types/api';

export type SignalStatus = 'queued' | 'placing' | 'executed' | 'refused' | 'stale' | 'duplicate' | 'invalid';

export type SignalEntry = {
  seq: string;
  signal_id: string;
  action: string;
  symbol: string | null;
  received_at: number;
  sent_at: number | null;
  status: SignalStatus;
  reason: string | null;
  message: string | null;
  order_ids: string[];
};

/** The webhook's token and URL: the server shows them once, so they live only in this page's memory. */
export type SignalSecret = { token: string; url: string };

export type SignalReceipt = { signal_id: string; status: string; received_at: number };

export const getSignals = (botId: string) =>
  api.get<Paginated<SignalEntry>>(`/bots/${encodeURIComponent(botId)}/signals`, { query: { limit: 50 } });

export const signalsQueryOptions = (botId: string, running: boolean) =>
  queryOptions({
    queryKey: ['bots', botId, 'signals'],
    queryFn: () => getSignals(botId),
    refetchInterval: running ? 5_000 : false,
  });

export const useSignals = (botId: string, running: boolean) => useQuery(signalsQueryOptions(botId, running));

export const rotateSignalSecret = (botId: string) =>
  api.post<SignalSecret>(`/bots/${encodeURIComponent(botId)}/signal-secret`);

export function useRotateSignalSecret(botId: string) {
  return useMutation({ mutationFn: () => rotateSignalSecret(botId) });
}

/** A real signal through the public webhook (no session: the token is the credential), as TradingView sends it. */
export const sendTestSignal = (token: string, body: Record<string, string>) =>
  api.post<SignalReceipt>(`/signals/${encodeURIComponent(token)}`, body, { auth: false });

export function useSendTestSignal(botId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ token, body }: { token: string; body: Record<string, string> }) => sendTestSignal(token, body),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['bots', botId, 'signals'] }),
  });
}
