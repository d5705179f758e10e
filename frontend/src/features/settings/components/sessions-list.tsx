import { FormError } from '@/components/ui/alert';
import { QueryState } from '@/components/ui/states';
import { formatDateTime } from '@/lib/format';
import { useRevokeSession, useSessions } from '../api/mfa';

/** A short name for a user agent string: the browser and the system when they can be told. */
export function describeAgent(agent: string): string {
  if (!agent) return 'Unknown device';
  // Edge says Chrome and Safari too, Chrome says Safari: the most specific name wins.
  const browser = ['Edg', 'Firefox', 'Chrome', 'Safari'].find((name) => agent.includes(`${name}/`))?.replace('Edg', 'Edge');
  const system = /(Windows|Android|iPhone|iPad|Mac OS X|Linux)/.exec(agent)?.[1]?.replace('Mac OS X', 'macOS');
  return browser || system ? [browser, system].filter(Boolean).join(' on ') : agent.slice(0, 60);
}

/** Settings › Sessions: every signed-in device, and a button to end each one (its refresh token stops working). */
export function SessionsList() {
  const sessions = useSessions();
  const revoke = useRevokeSession();
  return (
    <QueryState query={sessions}>
      {(data) => (
        <>
          <div className="table-wrap">
            <table className="table" aria-label="Signed-in devices">
              <thead>
                <tr>
                  <th>Device</th>
                  <th>Signed in</th>
                  <th>Last active</th>
                  <th aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {(data?.items ?? []).map((s) => (
                  <tr key={s.id}>
                    <td title={s.user_agent}>{describeAgent(s.user_agent)}</td>
                    <td>{formatDateTime(s.created_at)}</td>
                    <td>{formatDateTime(s.last_used_at)}</td>
                    <td>
                      <button
                        type="button"
                        className="btn btn-ghost"
                        aria-label={`End the session of ${describeAgent(s.user_agent)} signed in ${formatDateTime(s.created_at)}`}
                        disabled={revoke.isPending}
                        onClick={() => revoke.mutate(s.id)}
                      >
                        End session
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <FormError error={revoke.error} />
        </>
      )}
    </QueryState>
  );
}
