import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect } from 'react';
import { api, type TokenResponse } from './api-client';
import { ApiError } from './api-error';

export type User = {
  id: string;
  email: string;
  created_at: string;
  email_verified?: boolean;
  mfa_enabled?: boolean;
  webhook_url?: string | null;
  /** Local mode only: an http:// webhook is accepted too. */
  webhook_allows_http?: boolean;
};
/** The password was right and the account has two-factor sign-in: a code must follow, with this token. */
export type MfaChallenge = { mfa_required: true; mfa_token: string; expires_in: number };
export type SecondFactor = { code: string } | { recovery_code: string };

export const isMfaChallenge = (value: unknown): value is MfaChallenge =>
  typeof value === 'object' && value !== null && (value as { mfa_required?: unknown }).mfa_required === true;
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

/**
 * Whether the signed-in user has two-factor sign-in on, from the user already loaded (never a request of its
 * own): forms of sensitive actions then ask for a fresh code.
 */
export const useMfaEnabled = () => Boolean(useQuery({ ...userQueryOptions(), enabled: false }).data?.mfa_enabled);

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (credentials: Credentials): Promise<User | MfaChallenge> => {
      const answer = await api.post<TokenResponse | MfaChallenge>('/auth/login', credentials, { auth: false });
      if (isMfaChallenge(answer)) return answer;
      api.setSession(answer);
      return api.get<User>('/users/me');
    },
    onSuccess: (result) => {
      if (!isMfaChallenge(result)) queryClient.setQueryData(userQueryKey, result);
    },
  });
}

/** The code step of a two-factor sign-in: the token from the password step and a code or a recovery code. */
export function useCompleteMfaLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: { mfa_token: string } & SecondFactor) => {
      api.setSession(await api.post<TokenResponse>('/auth/login/mfa', input, { auth: false }));
      return api.get<User>('/users/me');
    },
    onSuccess: (user) => queryClient.setQueryData(userQueryKey, user),
  });
}

/**
 * Registration answers the same for a new and a known address (a verification link is e-mailed either way).
 * A new account may sign in at once (unverified); when the sign-in is refused (the address already had an
 * account with another password) the result is null and the caller shows "check your inbox".
 */
export function useRegister() {
  const login = useLogin();
  return useMutation({
    mutationFn: async (credentials: Credentials): Promise<User | null> => {
      await api.post('/auth/register', credentials, { auth: false });
      try {
        const result = await login.mutateAsync(credentials);
        return isMfaChallenge(result) ? null : result;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
  });
}

export const useForgotPassword = () =>
  useMutation({ mutationFn: (email: string) => api.post('/auth/forgot-password', { email }, { auth: false }) });

export const useResendVerification = () =>
  useMutation({ mutationFn: (email: string) => api.post('/auth/resend-verification', { email }, { auth: false }) });

export function useVerifyEmail() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (token: string) => api.post<{ email: string; email_verified: boolean }>('/auth/verify-email', { token }, { auth: false }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userQueryKey }),
  });
}

export function useResetPassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: { token: string; new_password: string }) => {
      await api.post('/auth/reset-password', input, { auth: false });
      api.setSession(null); // every session ended, this one too
    },
    onSuccess: () => queryClient.setQueryData(userQueryKey, null),
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

/**
 * End the session in this tab without asking the server (after the account was deleted, for instance: its
 * tokens are already void). Every cached query goes with it.
 */
export function useSignOutLocally() {
  const queryClient = useQueryClient();
  return useCallback(() => {
    api.setSession(null);
    queryClient.clear();
    queryClient.setQueryData(userQueryKey, null);
  }, [queryClient]);
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
