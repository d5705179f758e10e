import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';

/** The webhook URL and the HMAC secret that signs its requests (`X-Tradebot-Signature`). */
export type Webhook = { webhook_url: string | null; webhook_secret: string | null };

export const webhookQueryKey = ['webhook'] as const;

export const getWebhook = () => api.get<Webhook>('/users/me/webhook');

/** A new signing secret; the old one stops signing at once. */
export const rotateWebhookSecret = () => api.post<Webhook>('/users/me/webhook/secret');

export function useWebhook() {
  return useQuery({ queryKey: webhookQueryKey, queryFn: getWebhook });
}

export function useRotateWebhookSecret() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: rotateWebhookSecret,
    onSuccess: (webhook) => queryClient.setQueryData(webhookQueryKey, webhook),
  });
}
