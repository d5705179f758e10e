import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { ApiKey, CreateApiKeyInput } from '../types';

export const createApiKey = (input: CreateApiKeyInput) => api.post<ApiKey>('/api-keys', input);

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createApiKey,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['api-keys'] }),
  });
}
