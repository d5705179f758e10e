import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { errorMessage } from '@/lib/api-error';

/** A route that throws (or a lazy chunk that fails to load) shows why, never a blank page. */
export function RouteError() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : errorMessage(error);
  return (
    <div className="state state-error" role="alert">
      <strong>Something went wrong</strong>
      <span>{message}</span>
      <div className="btn-row">
        <button type="button" className="btn" onClick={() => window.location.reload()}>
          Reload
        </button>
        <Link to="/" className="btn btn-ghost">
          Dashboard
        </Link>
      </div>
    </div>
  );
}
