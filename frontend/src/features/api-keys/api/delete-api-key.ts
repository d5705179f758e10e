import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';

export const deleteApiKey = (id: string) => api.delete(`/api-keys/${encodeURIComponent(id)}`);

export function useDeleteApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteApiKey,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['api-keys'] }),
  });
}
