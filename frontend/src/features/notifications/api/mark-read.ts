import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';

export const markRead = (id: string) => api.post(`/notifications/${encodeURIComponent(id)}/read`);
export const markAllRead = () => api.post('/notifications/read-all');

export function useMarkRead() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: markRead, onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['notifications'] }) });
}

export function useMarkAllRead() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: markAllRead, onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['notifications'] }) });
}
