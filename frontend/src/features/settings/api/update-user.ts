import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { userQueryKey, type User } from '@/lib/auth';

export type ChangePasswordInput = { current_password: string; new_password: string };

export const changePassword = (input: ChangePasswordInput) => api.patch<User>('/users/me', input);
export const updateSettings = (input: { webhook_url: string | null }) => api.patch<User>('/users/me/settings', input);

export function useChangePassword() {
  return useMutation({ mutationFn: changePassword });
}

export function useUpdateSettings() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: updateSettings, onSuccess: (user) => queryClient.setQueryData(userQueryKey, user) });
}
