import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { KeyAuditPage } from '../types';

export const getKeyAudit = (keyId: string, cursor: string | null) => {
  const query = new URLSearchParams({ limit: '25' });
  if (cursor) query.set('cursor', cursor);
  return api.get<KeyAuditPage>(`/api-keys/${encodeURIComponent(keyId)}/audit?${query.toString()}`);
};

/** One key's audit trail, newest first, a page at a time. */
export const useKeyAudit = (keyId: string) =>
  useInfiniteQuery({
    queryKey: ['api-keys', keyId, 'audit'],
    queryFn: ({ pageParam }) => getKeyAudit(keyId, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
