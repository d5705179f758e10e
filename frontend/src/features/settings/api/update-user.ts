import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, type TokenResponse } from '@/lib/api-client';
import { userQueryKey, type User } from '@/lib/auth';
import { webhookQueryKey } from './webhook';

/** `mfa_code`: a fresh two-factor code, required when two-factor sign-in is on. */
export type ChangePasswordInput = { current_password: string; new_password: string; mfa_code?: string };

/**
 * Changing the password ends the other sessions; the answer carries a fresh session for
 * this one (and sets a new refresh cookie), which the client adopts.
 */
export async function changePassword(input: ChangePasswordInput): Promise<User> {
  const res = await api.patch<User & Partial<TokenResponse>>('/users/me', input);
  if (res.access_token) api.setSession({ access_token: res.access_token, expires_in: res.expires_in });
  const { access_token: _a, refresh_token: _r, token_type: _t, expires_in: _e, ...user } = res;
  return user;
}

export const updateSettings = (input: { webhook_url: string | null }) => api.patch<User>('/users/me/settings', input);

export function useChangePassword() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: changePassword, onSuccess: (user) => queryClient.setQueryData(userQueryKey, user) });
}

export function useUpdateSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateSettings,
    onSuccess: (user) => {
      queryClient.setQueryData(userQueryKey, user);
      // A new URL gets a new signing secret: show it.
      return queryClient.invalidateQueries({ queryKey: webhookQueryKey });
    },
  });
}
