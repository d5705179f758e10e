import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { userQueryKey, type SecondFactor } from '@/lib/auth';

/** `GET /users/me/mfa` (chalicelib/api/schemas/auth_mfa.py: MfaStatusOut). */
export type MfaStatus = { enabled: boolean; pending: boolean; recovery_codes_left: number };
/** Shown once: the secret is never returned again. `qr_svg` is a data: URI of an SVG QR code. */
export type Enrolment = { secret: string; otpauth_uri: string; qr_svg: string };
/** One signed-in device (a family of refresh tokens). */
export type SessionEntry = { id: string; created_at: string; last_used_at: string; expires_at: string; user_agent: string };

export const mfaQueryKey = ['users', 'me', 'mfa'] as const;
export const sessionsQueryKey = ['users', 'me', 'sessions'] as const;

export const useMfaStatus = () =>
  useQuery(queryOptions({ queryKey: mfaQueryKey, queryFn: () => api.get<MfaStatus>('/users/me/mfa') }));

export const useSessions = () =>
  useQuery(queryOptions({ queryKey: sessionsQueryKey, queryFn: () => api.get<{ items: SessionEntry[] }>('/users/me/sessions') }));

export const useEnrolMfa = () =>
  useMutation({ mutationFn: (password: string) => api.post<Enrolment>('/users/me/mfa', { password }) });

/** The user's `mfa_enabled` and the status change together: both are refetched. */
function useRefreshMfa() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: mfaQueryKey }),
      queryClient.invalidateQueries({ queryKey: userQueryKey }),
    ]);
}

export function useConfirmMfa() {
  const refresh = useRefreshMfa();
  return useMutation({
    mutationFn: (code: string) => api.post<{ recovery_codes: string[] }>('/users/me/mfa/confirm', { code }),
    onSuccess: refresh,
  });
}

export function useDisableMfa() {
  const refresh = useRefreshMfa();
  return useMutation({
    mutationFn: (factor: SecondFactor) => api.delete<void>('/users/me/mfa', { body: factor }),
    onSuccess: refresh,
  });
}

export function useRevokeSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete<void>(`/users/me/sessions/${encodeURIComponent(id)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionsQueryKey }),
  });
}
