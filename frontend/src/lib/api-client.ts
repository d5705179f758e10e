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
  /** The Accept header (default: application/json for JSON, otherwise any type). */
  accept?: string;
};

/** A file the server answered: its bytes, type, and the name it suggests (Content-Disposition). */
export type Download = { blob: Blob; filename: string | null; contentType: string | null };

/**
 * The file name of a Content-Disposition header: RFC 5987 `filename*=UTF-8''…` first, then `filename="…"`.
 * Only the last path segment is kept, so a name can never point outside the downloads folder.
 */
export function filenameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  let name: string | null = null;
  const extended = /filename\*\s*=\s*(?:[\w-]+)?'[^']*'([^;]+)/i.exec(header);
  if (extended) {
    try {
      name = decodeURIComponent(extended[1]!.trim().replace(/^"|"$/g, ''));
    } catch {
      name = null;
    }
  }
  if (!name) {
    const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/i.exec(header);
    name = plain ? (plain[1]?.replace(/\\(.)/g, '$1') ?? plain[2]!.trim()) : null;
  }
  const base = name?.split(/[\\/]/).pop()?.trim();
  return base && base !== '.' && base !== '..' ? base : null;
}

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
      Accept: opts.accept ?? (opts.responseType === 'json' || !opts.responseType ? 'application/json' : '*/*'),
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

  /** Send, refreshing the session once on a 401; any other failure is thrown as an ApiError. */
  private async fetchOk(path: string, opts: RequestOptions): Promise<Response> {
    let res = await this.send(path, opts);
    if (res.status === 401 && opts.auth !== false) {
      const refreshed = await this.refreshSession();
      if (refreshed) res = await this.send(path, opts);
      if (res.status === 401) this.setSession(null);
    }
    if (!res.ok) throw await apiErrorFromResponse(res);
    return res;
  }

  async request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.fetchOk(path, opts);
    if (opts.responseType === 'blob') return (await res.blob()) as T;
    const text = await res.text();
    if (opts.responseType === 'text') return text as T;
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * A binary answer (a zip export, say) with the name the server gives it. Any method and JSON body;
   * errors are the usual JSON envelope, thrown as ApiError like every other call.
   */
  async download(path: string, opts: Omit<RequestOptions, 'responseType'> = {}): Promise<Download> {
    const res = await this.fetchOk(path, { ...opts, responseType: 'blob' });
    return {
      blob: await res.blob(),
      filename: filenameFromDisposition(res.headers.get('Content-Disposition')),
      contentType: res.headers.get('Content-Type'),
    };
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
  /** DELETE, with an optional JSON body (a confirmation, for instance). */
  delete<T = void>(path: string, opts?: Omit<RequestOptions, 'method'>) {
    return this.request<T>(path, { ...opts, method: 'DELETE' });
  }
}

export const api = new ApiClient(env.API_URL);
