import { env } from '@/config/env';
import { apiErrorFromResponse, networkError } from './api-error';

export type TokenResponse = {
  access_token: string;
  refresh_token?: string;
  token_type?: string;
  expires_in?: number;
};

type Query = Record<string, string | number | boolean | null | undefined>;

export type RequestOptions = {
  method?: string;
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** Send the bearer token and try a silent refresh on 401 (default true). */
  auth?: boolean;
  responseType?: 'json' | 'text' | 'blob';
};

type SessionListener = (authenticated: boolean) => void;

// Refresh this long before the access token expires.
const REFRESH_MARGIN_S = 30;


/** The refresh token stays in its httpOnly cookie: ask the API never to put it in a response body. */
const SESSION_TRANSPORT = { 'X-Session-Transport': 'cookie' } as const;

/**
 * The one HTTP client. The access token lives only in this object's memory; the refresh
 * token is an httpOnly cookie the browser sends to /auth/* routes, so refreshing is a
 * POST /auth/refresh with credentials and an empty JSON body.
 */
export class ApiClient {
  private accessToken: string | null = null;
  private refreshing: Promise<boolean> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private listeners = new Set<SessionListener>();

  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: () => typeof fetch = () => globalThis.fetch.bind(globalThis),
  ) {}

  get isAuthenticated(): boolean {
    return this.accessToken !== null;
  }

  onSessionChange(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Keep the access token (never the refresh token: that stays in the cookie). */
  setSession(tokens: TokenResponse | null): void {
    const wasAuthenticated = this.accessToken !== null;
    this.accessToken = tokens?.access_token ?? null;
    this.scheduleRefresh(tokens?.expires_in);
    if (wasAuthenticated !== this.isAuthenticated || tokens) {
      this.listeners.forEach((l) => l(this.isAuthenticated));
    }
  }

  /** Silent refresh, single-flight: concurrent callers share one request. */
  refreshSession(): Promise<boolean> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    try {
      const res = await this.fetchImpl()(this.url('/auth/refresh'), {
        method: 'POST',
        credentials: 'include',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...SESSION_TRANSPORT },
        body: '{}',
      });
      if (!res.ok) {
        this.setSession(null);
        return false;
      }
      this.setSession((await res.json()) as TokenResponse);
      return true;
    } catch {
      this.setSession(null);
      return false;
    }
  }

  private scheduleRefresh(expiresIn: number | undefined): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    if (!this.accessToken || !expiresIn || expiresIn <= REFRESH_MARGIN_S) return;
    this.refreshTimer = setTimeout(() => void this.refreshSession(), (expiresIn - REFRESH_MARGIN_S) * 1000);
  }

  url(path: string, query?: Query): string {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
    }
    const qs = search.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  private async send(path: string, opts: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: opts.responseType === 'json' || !opts.responseType ? 'application/json' : '*/*',
      ...SESSION_TRANSPORT,
    };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.auth !== false && this.accessToken) headers.Authorization = `Bearer ${this.accessToken}`;
    try {
      return await this.fetchImpl()(this.url(path, opts.query), {
        method: opts.method ?? 'GET',
        headers,
        body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
        signal: opts.signal,
        credentials: 'include',
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw networkError(err);
    }
  }

  async request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    let res = await this.send(path, opts);
    if (res.status === 401 && opts.auth !== false) {
      const refreshed = await this.refreshSession();
      if (refreshed) res = await this.send(path, opts);
      if (res.status === 401) this.setSession(null);
    }
    if (!res.ok) throw await apiErrorFromResponse(res);
    if (opts.responseType === 'blob') return (await res.blob()) as T;
    const text = await res.text();
    if (opts.responseType === 'text') return text as T;
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string, opts?: Omit<RequestOptions, 'method' | 'body'>) {
    return this.request<T>(path, { ...opts, method: 'GET' });
  }
  post<T>(path: string, body?: unknown, opts?: Omit<RequestOptions, 'method' | 'body'>) {
    return this.request<T>(path, { ...opts, method: 'POST', body: body ?? {} });
  }
  patch<T>(path: string, body: unknown, opts?: Omit<RequestOptions, 'method' | 'body'>) {
    return this.request<T>(path, { ...opts, method: 'PATCH', body });
  }
  delete<T = void>(path: string, opts?: Omit<RequestOptions, 'method' | 'body'>) {
    return this.request<T>(path, { ...opts, method: 'DELETE' });
  }
}

export const api = new ApiClient(env.API_URL);
