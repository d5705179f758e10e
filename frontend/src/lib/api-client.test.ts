import { describe, expect, it, vi } from 'vitest';
import { apiError, createFakeFetch } from '@/testing/fake-fetch';
import { ApiClient, filenameFromDisposition } from './api-client';
import { ApiError } from './api-error';

const tokens = (access: string) => ({ status: 200, body: { access_token: access, refresh_token: 'r', token_type: 'bearer', expires_in: 900 } });

function client(routes: Parameters<typeof createFakeFetch>[0]) {
  const fake = createFakeFetch(routes);
  return { fake, api: new ApiClient('/api/v1', () => fake.fetch as typeof fetch) };
}

describe('ApiClient', () => {
  it('sends the bearer token and parses JSON', async () => {
    const { api, fake } = client({ 'GET /api/v1/bots': { body: { items: [{ id: 'b1' }] } } });
    api.setSession({ access_token: 'acc-1', expires_in: 900 });
    await expect(api.get('/bots')).resolves.toEqual({ items: [{ id: 'b1' }] });
    expect(fake.calls[0]!.headers.get('Authorization')).toBe('Bearer acc-1');
  });

  it('normalises the error envelope, with validation details and Retry-After', async () => {
    const { api } = client({
      'POST /api/v1/auth/login': apiError(429, 'too_many_attempts', 'Too many login attempts', null, { 'Retry-After': '42' }),
      'POST /api/v1/bots': apiError(422, 'validation_error', 'Invalid bot', [{ field: 'body.params.fast', message: 'must be below slow' }]),
    });
    const login = await api.post('/auth/login', { email: 'a@b.c', password: 'x' }, { auth: false }).catch((e: unknown) => e);
    expect(login).toBeInstanceOf(ApiError);
    expect(login).toMatchObject({ status: 429, code: 'too_many_attempts', message: 'Too many login attempts', retryAfter: 42 });

    const bot = (await api.post('/bots', {}).catch((e: unknown) => e)) as ApiError;
    expect(bot.fieldErrors).toEqual([{ field: 'params.fast', message: 'must be below slow' }]);
  });

  it('turns a non-JSON error page and a network failure into readable errors', async () => {
    const { api } = client({ 'GET /api/v1/health': { status: 502, text: '<html>Bad gateway</html>' } });
    await expect(api.get('/health')).rejects.toMatchObject({ status: 502, message: expect.stringContaining('502') });

    const offline = new ApiClient('/api/v1', () => (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch);
    await expect(offline.get('/health')).rejects.toMatchObject({ status: 0, code: 'network_error', message: expect.stringMatching(/Cannot reach the server/) });
  });

  it('refreshes silently on 401 with the cookie and an empty body, then retries once', async () => {
    const { api, fake } = client({
      'POST /api/v1/auth/refresh': tokens('acc-2'),
      'GET /api/v1/users/me': (req) =>
        req.headers.get('Authorization') === 'Bearer acc-2' ? { body: { id: 'u1', email: 'a@b.c' } } : apiError(401, 'token_expired', 'Expired'),
    });
    api.setSession({ access_token: 'acc-1' });
    await expect(api.get('/users/me')).resolves.toEqual({ id: 'u1', email: 'a@b.c' });
    const refresh = fake.callsTo('POST', '/api/v1/auth/refresh');
    expect(refresh).toHaveLength(1);
    expect(refresh[0]!.credentials).toBe('include');
    expect(refresh[0]!.body).toEqual({});
    expect(fake.callsTo('GET', '/api/v1/users/me')).toHaveLength(2);
  });

  it('shares one refresh between concurrent 401s', async () => {
    const { api, fake } = client({
      'POST /api/v1/auth/refresh': tokens('acc-2'),
      'GET /api/v1/bots/:id': (req) => (req.headers.get('Authorization') === 'Bearer acc-2' ? { body: { id: req.params.id } } : apiError(401, 'expired', 'Expired')),
    });
    api.setSession({ access_token: 'old' });
    const results = await Promise.all(['a', 'b', 'c'].map((id) => api.get(`/bots/${id}`)));
    expect(results).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    expect(fake.callsTo('POST', '/api/v1/auth/refresh')).toHaveLength(1);
  });

  it('ends the session when the refresh is refused and reports the 401', async () => {
    const { api } = client({
      'POST /api/v1/auth/refresh': apiError(401, 'invalid_refresh_token', 'Session expired'),
      'GET /api/v1/bots': apiError(401, 'token_expired', 'Your session has expired'),
    });
    const listener = vi.fn();
    api.setSession({ access_token: 'acc-1' });
    api.onSessionChange(listener);
    await expect(api.get('/bots')).rejects.toMatchObject({ status: 401, message: 'Your session has expired' });
    expect(api.isAuthenticated).toBe(false);
    expect(listener).toHaveBeenLastCalledWith(false);
  });

  it('handles 204 and drops empty query parameters', async () => {
    const { api, fake } = client({ 'DELETE /api/v1/bots/b1': { status: 204 }, 'GET /api/v1/trades': { body: { items: [], next_cursor: null } } });
    await expect(api.delete('/bots/b1')).resolves.toBeUndefined();
    await api.get('/trades', { query: { bot_id: 'b1', symbol: '', side: undefined, limit: 50 } });
    expect(fake.callsTo('GET', '/api/v1/trades')[0]!.query.toString()).toBe('bot_id=b1&limit=50');
  });

  it('refreshes proactively shortly before the access token expires', async () => {
    vi.useFakeTimers();
    try {
      const { api, fake } = client({ 'POST /api/v1/auth/refresh': tokens('acc-2') });
      api.setSession({ access_token: 'acc-1', expires_in: 90 });
      await vi.advanceTimersByTimeAsync(59_000);
      expect(fake.callsTo('POST', '/api/v1/auth/refresh')).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(fake.callsTo('POST', '/api/v1/auth/refresh')).toHaveLength(1);
      api.setSession(null);
    } finally {
      vi.useRealTimers();
    }
  });

  it('downloads a binary answer to a POST with a JSON body, with the name the server gives it', async () => {
    const { api, fake } = client({
      'POST /api/v1/users/me/export': {
        text: 'PK\u0003\u0004zip-bytes',
        headers: { 'Content-Type': 'application/zip', 'Content-Disposition': 'attachment; filename="tradebot-export.zip"' },
      },
    });
    api.setSession({ access_token: 'acc-1' });
    const file = await api.download('/users/me/export', { method: 'POST', body: { password: 'pw' }, accept: 'application/zip' });
    expect(file.filename).toBe('tradebot-export.zip');
    expect(file.contentType).toBe('application/zip');
    expect(await file.blob.text()).toBe('PK\u0003\u0004zip-bytes');
    const call = fake.calls[0]!;
    expect(call.body).toEqual({ password: 'pw' });
    expect(call.headers.get('Accept')).toBe('application/zip');
    expect(call.headers.get('Content-Type')).toBe('application/json');
    expect(call.headers.get('Authorization')).toBe('Bearer acc-1');
  });

  it('throws a failed download as the usual ApiError, after one silent refresh on 401', async () => {
    const { api, fake } = client({
      'POST /api/v1/auth/refresh': tokens('acc-2'),
      'POST /api/v1/users/me/export': (req) =>
        req.headers.get('Authorization') === 'Bearer acc-2'
          ? apiError(429, 'too_many_attempts', 'Too many password attempts; try again later.', null, { 'Retry-After': '600' })
          : apiError(401, 'token_expired', 'Expired'),
    });
    api.setSession({ access_token: 'acc-1' });
    const error = await api.download('/users/me/export', { method: 'POST', body: { password: 'pw' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, code: 'too_many_attempts', retryAfter: 600 });
    expect(fake.callsTo('POST', '/api/v1/users/me/export')).toHaveLength(2);
  });

  it('sends a JSON body with DELETE when given one', async () => {
    const { api, fake } = client({ 'DELETE /api/v1/users/me': { body: { deleted: true } } });
    await expect(api.delete('/users/me', { body: { password: 'pw', confirm: 'DELETE' } })).resolves.toEqual({ deleted: true });
    expect(fake.calls[0]!.body).toEqual({ password: 'pw', confirm: 'DELETE' });
    expect(fake.calls[0]!.headers.get('Content-Type')).toBe('application/json');
  });

  it('reads the file name of a Content-Disposition header, keeping only its last path segment', () => {
    expect(filenameFromDisposition('attachment; filename="tradebot-export.zip"')).toBe('tradebot-export.zip');
    expect(filenameFromDisposition('attachment; filename=plain.zip; size=3')).toBe('plain.zip');
    expect(filenameFromDisposition(`attachment; filename="fallback.zip"; filename*=UTF-8''r%C3%A9sum%C3%A9.zip`)).toBe('résumé.zip');
    expect(filenameFromDisposition('attachment; filename="../../etc/passwd"')).toBe('passwd');
    expect(filenameFromDisposition('attachment; filename=".."')).toBeNull();
    expect(filenameFromDisposition('attachment')).toBeNull();
    expect(filenameFromDisposition(null)).toBeNull();
  });
});
