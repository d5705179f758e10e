/**
 * A tiny fake of the server behind fetch: routes are "METHOD /path" (":name" matches a
 * segment) answering a fixed response or a function of the request. Every call is recorded.
 */
export type FakeRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
  credentials?: RequestCredentials;
  params: Record<string, string>;
};
export type FakeResponse = { status?: number; body?: unknown; text?: string; headers?: Record<string, string> };
export type Route = FakeResponse | ((req: FakeRequest) => FakeResponse | Promise<FakeResponse>);

export function createFakeFetch(routes: Record<string, Route>) {
  const calls: FakeRequest[] = [];
  const table = Object.entries(routes).map(([key, route]) => {
    const [method, pattern] = key.split(' ') as [string, string];
    return { method, pattern: pattern.split('/'), route };
  });

  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'http://localhost');
    const method = (init.method ?? 'GET').toUpperCase();
    const text = typeof init.body === 'string' ? init.body : undefined;
    const req: FakeRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: new Headers(init.headers),
      body: text ? JSON.parse(text) : undefined,
      credentials: init.credentials,
      params: {},
    };
    calls.push(req);
    const segments = url.pathname.split('/');
    for (const r of table) {
      if (r.method !== method || r.pattern.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const ok = r.pattern.every((p, i) => (p.startsWith(':') ? ((params[p.slice(1)] = decodeURIComponent(segments[i]!)), true) : p === segments[i]));
      if (!ok) continue;
      req.params = params;
      const res = typeof r.route === 'function' ? await r.route(req) : r.route;
      const status = res.status ?? 200;
      const body = res.text ?? (res.body === undefined || status === 204 ? null : JSON.stringify(res.body));
      const headers = { 'Content-Type': res.text !== undefined ? 'text/plain' : 'application/json', ...res.headers };
      return new Response(body, { status, headers });
    }
    return new Response(JSON.stringify({ error: { code: 'not_found', message: `No fake for ${method} ${url.pathname}`, details: null } }), {
      status: 404,
      headers: { 'Content-Type': 'application/json' },
    });
  };

  const callsTo = (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path);
  return { fetch, calls, callsTo };
}

export const apiError = (status: number, code: string, message: string, details: unknown = null, headers?: Record<string, string>): FakeResponse => ({
  status,
  body: { error: { code, message, details } },
  headers,
});
