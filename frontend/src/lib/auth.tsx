import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api, type TokenResponse } from './api-client';

export type User = { id: string; email: string; created_at: string; webhook_url?: string | null };
export type Credentials = { email: string; password: string };

export const userQueryKey = ['auth', 'me'] as const;

/** The signed-in user, or null. On page load the session is restored by a silent refresh. */
export async function getUser(): Promise<User | null> {
  if (!api.isAuthenticated && !(await api.refreshSession())) return null;
  return api.get<User>('/users/me');
}

export const userQueryOptions = () =>
  queryOptions({ queryKey: userQueryKey, queryFn: getUser, staleTime: Infinity, retry: false });

export const useUser = () => useQuery(userQueryOptions());

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (credentials: Credentials) => {
      const tokens = await api.post<TokenResponse>('/auth/login', credentials, { auth: false });
      api.setSession(tokens);
      return api.get<User>('/users/me');
    },
    onSuccess: (user) => queryClient.setQueryData(userQueryKey, user),
  });
}

export function useRegister() {
  const login = useLogin();
  return useMutation({
    mutationFn: async (credentials: Credentials) => {
      await api.post('/auth/register', credentials, { auth: false });
      return login.mutateAsync(credentials);
    },
  });
}

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      try {
        await api.post('/auth/logout', {}, { auth: false });
      } finally {
        api.setSession(null);
      }
    },
    onSettled: () => {
      queryClient.clear();
      queryClient.setQueryData(userQueryKey, null);
    },
  });
}

/** When the session ends (refresh refused), forget the user so protected routes redirect. */
export function useSessionSync() {
  const queryClient = useQueryClient();
  useEffect(
    () =>
      api.onSessionChange((authenticated) => {
        if (!authenticated && queryClient.getQueryData(userQueryKey)) {
          queryClient.setQueryData(userQueryKey, null);
        }
      }),
    [queryClient],
  );
}
