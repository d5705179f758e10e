import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';

export type Channel = 'in_app' | 'webhook' | 'telegram';
/** Whether a chat is linked, and where each event kind goes. */
export type TelegramSettings = {
  linked: boolean;
  bot_name: string;
  channels: Record<string, Channel[]>;
  /** HH:MM (UTC) of the daily summary, or null: none */
  daily_summary_time?: string | null;
};
export type TelegramLink = { url: string; expires_at: string };

export const telegramQueryKey = ['telegram'] as const;

export const getTelegram = () => api.get<TelegramSettings>('/telegram');
export const createTelegramLink = () => api.post<TelegramLink>('/telegram/link');
export const unlinkTelegram = () => api.delete('/telegram/link');
export const putChannels = (channels: Record<string, Channel[]>) =>
  api.request<TelegramSettings>('/telegram/channels', { method: 'PUT', body: { channels } });

export const putDailySummary = (time: string | null) =>
  api.request<TelegramSettings>('/telegram/daily-summary', { method: 'PUT', body: { daily_summary_time: time } });

export const useTelegram = () => useQuery({ queryKey: telegramQueryKey, queryFn: getTelegram });

export const useTelegramLink = () => useMutation({ mutationFn: createTelegramLink });

export function useUnlinkTelegram() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: unlinkTelegram, onSuccess: () => void queryClient.invalidateQueries({ queryKey: telegramQueryKey }) });
}

export function useSetChannels() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: putChannels, onSuccess: (settings) => queryClient.setQueryData(telegramQueryKey, settings) });
}

export function useSetDailySummary() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: putDailySummary, onSuccess: (settings) => queryClient.setQueryData(telegramQueryKey, settings) });
}
