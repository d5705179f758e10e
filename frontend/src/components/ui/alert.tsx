import { errorMessage } from '@/lib/api-error';
import { ApiError } from '@/lib/api-error';

/**
 * The server's refusal, shown plainly. Field details that match a visible field are shown
 * inline by the form; the rest are listed here so nothing the server said is lost.
 */
export function FormError({ error, inlineFields = [] }: { error: unknown; inlineFields?: string[] }) {
  if (!error) return null;
  const shown = new Set(inlineFields);
  const rest = error instanceof ApiError ? error.fieldErrors.filter((d) => !shown.has(d.field)) : [];
  return (
    <div className="alert alert-error" role="alert">
      <p>{errorMessage(error)}</p>
      {rest.length > 0 ? (
        <ul>
          {rest.map((d) => (
            <li key={`${d.field}:${d.message}`}>
              {d.field ? <code>{d.field}</code> : null} {d.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Notice({ tone = 'info', children }: { tone?: 'info' | 'warn' | 'success'; children: React.ReactNode }) {
  return (
    <div className={`alert alert-${tone}`} role="status">
      {children}
    </div>
  );
}
