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

/** The message without the bot's name in front and its page's path behind, which the item shows as a link. */
export function messageBody(n: Notification): string {
  const name = n.data?.bot_name;
  const path = n.data?.bot_path;
  if (!name || !path) return n.message;
  const head = `${name}: `;
  const tail = ` (${path})`;
  let text = n.message;
  if (text.startsWith(head)) text = text.slice(head.length);
  if (text.endsWith(tail)) text = text.slice(0, -tail.length);
  return text;
}

/** The bot a note is about, by its current name and linked; a deleted bot by the name the note gave it, unlinked. */
function BotLabel({ n, botNames }: { n: Notification; botNames: Record<string, string> }) {
  const current = n.bot_id ? botNames[n.bot_id] : undefined;
  if (n.bot_id && current) return <><Link to={paths.bot(n.bot_id)}>{current}</Link>:{' '}</>;
  return n.data?.bot_path && n.data.bot_name ? <>{n.data.bot_name}: </> : null;
}

export function NotificationItems({ items, onRead, botNames = {} }: ItemsProps) {
  return (
    <ul className="list">
      {items.map((n) => (
        <li key={n.id} className={`list-row${n.read ? '' : ' unread'}`}>
          <div>
            <span className={`badge badge-kind`}>{n.kind.replace(/_/g, ' ')}</span>{' '}
            <BotLabel n={n} botNames={botNames} />
            {messageBody(n)}
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
