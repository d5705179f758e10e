import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Paginated } from '@/types/api';
import type { Notification } from '../types';

export const getNotifications = (cursor?: string, limit = 50) =>
  api.get<Paginated<Notification>>('/notifications', { query: { cursor, limit } });

export const notificationsQueryOptions = () =>
  infiniteQueryOptions({
    queryKey: ['notifications'],
    queryFn: ({ pageParam }) => getNotifications(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: 30_000,
  });

export const useNotifications = () => useInfiniteQuery(notificationsQueryOptions());

/** Unread notifications among those loaded (the first page is the newest). */
export const unreadOf = (pages: Array<Paginated<Notification>> | undefined) =>
  (pages ?? []).flatMap((p) => p.items).filter((n) => !n.read);
