import { Link } from 'react-router';
import { FormError } from '@/components/ui/alert';
import { EmptyState, QueryState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { formatDateTime } from '@/lib/format';
import { unreadOf, useNotifications } from '../api/get-notifications';
import { useMarkAllRead, useMarkRead } from '../api/mark-read';
import type { Notification } from '../types';

type ItemsProps = {
  items: Notification[];
  onRead?: (id: string) => void;
  /** Bot names by id: a note about a bot names it and links to its page (a deleted bot shows no link). */
  botNames?: Record<string, string>;
};

export function NotificationItems({ items, onRead, botNames = {} }: ItemsProps) {
  return (
    <ul className="list">
      {items.map((n) => (
        <li key={n.id} className={`list-row${n.read ? '' : ' unread'}`}>
          <div>
            <span className={`badge badge-kind`}>{n.kind.replace(/_/g, ' ')}</span>{' '}
            {n.bot_id && botNames[n.bot_id] ? (
              <>
                <Link to={paths.bot(n.bot_id)}>{botNames[n.bot_id]}</Link>:{' '}
              </>
            ) : null}
            {n.message}
            <div className="muted">{formatDateTime(n.created_at)}</div>
          </div>
          {!n.read && onRead ? (
            <button type="button" className="btn btn-ghost" onClick={() => onRead(n.id)}>
              Mark read
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

export function NotificationsList({ botNames = {} }: { botNames?: Record<string, string> }) {
  const q = useNotifications();
  const markRead = useMarkRead();
  const markAll = useMarkAllRead();
  const unread = unreadOf(q.data?.pages).length;
  return (
    <>
      <div className="btn-row">
        <button type="button" className="btn" disabled={unread === 0 || markAll.isPending} onClick={() => markAll.mutate()}>
          Mark all as read
        </button>
      </div>
      <FormError error={markRead.error ?? markAll.error} />
      <QueryState
        query={q}
        isEmpty={(d) => d.pages.every((p) => p.items.length === 0)}
        empty={<EmptyState title="No notifications">Trades, stop-losses and bot errors show up here.</EmptyState>}
      >
        {(d) => (
          <>
            <NotificationItems items={d.pages.flatMap((p) => p.items)} onRead={(id) => markRead.mutate(id)} botNames={botNames} />
            {q.hasNextPage ? (
              <button type="button" className="btn" disabled={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>
                {q.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </button>
            ) : null}
          </>
        )}
      </QueryState>
    </>
  );
}
