import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError } from '@/testing/fake-fetch';
import { fakeServer, renderWithProviders } from '@/testing/test-utils';
import LoginRoute from './routes/auth/login';
import { ProtectedRoute } from './protected-route';

const me = { id: 'u1', email: 'trader@example.com', created_at: '2026-01-01T00:00:00Z' };

describe('session', () => {
  it('restores the session on load with a silent refresh, then loads the user', async () => {
    const server = fakeServer({
      'POST /api/v1/auth/refresh': { body: { access_token: 'fresh', token_type: 'bearer', expires_in: 900 } },
      'GET /api/v1/users/me': (req) => (req.headers.get('Authorization') === 'Bearer fresh' ? { body: me } : apiError(401, 'unauthorized', 'No token')),
    });
    renderWithProviders(<ProtectedRoute>Secret page</ProtectedRoute>);
    expect(await screen.findByText('Secret page')).toBeInTheDocument();
    expect(server.callsTo('POST', '/api/v1/auth/refresh')[0]).toMatchObject({ credentials: 'include', body: {} });
  });

  it('sends a visitor without a session to sign in, remembering where they were going', async () => {
    fakeServer({ 'POST /api/v1/auth/refresh': apiError(401, 'missing_refresh_token', 'No refresh token') });
    renderWithProviders(<ProtectedRoute>Secret page</ProtectedRoute>, { path: '/bots/:id', url: '/bots/b1' });
    expect(await screen.findByTestId('location')).toHaveTextContent('/login?redirectTo=%2Fbots%2Fb1');
    expect(screen.queryByText('Secret page')).not.toBeInTheDocument();
  });

  it('signs in, keeps the access token in memory only, and goes to the requested page', async () => {
    const server = fakeServer({
      'POST /api/v1/auth/login': { body: { access_token: 'acc', refresh_token: 'ref', token_type: 'bearer', expires_in: 900 } },
      'GET /api/v1/users/me': { body: me },
    });
    const { user } = renderWithProviders(<LoginRoute />, { path: '/login', url: '/login?redirectTo=%2Ftrades' });
    await user.type(screen.getByLabelText('Email'), 'trader@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByTestId('location')).toHaveTextContent('/trades');
    expect(server.callsTo('GET', '/api/v1/users/me')[0]!.headers.get('Authorization')).toBe('Bearer acc');
    expect(JSON.stringify(localStorage)).not.toContain('acc');
    expect(JSON.stringify(sessionStorage)).not.toContain('ref');
  });

  it("shows the server's refusal and the throttling wait", async () => {
    let attempts = 0;
    fakeServer({
      'POST /api/v1/auth/login': () =>
        ++attempts === 1
          ? apiError(401, 'invalid_credentials', 'Wrong email or password')
          : apiError(429, 'too_many_attempts', 'Too many login attempts', null, { 'Retry-After': '30' }),
    });
    const { user } = renderWithProviders(<LoginRoute />, { path: '/login' });
    await user.type(screen.getByLabelText('Email'), 'trader@example.com');
    await user.type(screen.getByLabelText('Password'), 'nope');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong email or password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Too many login attempts (retry in 30 s)')).toBeInTheDocument();
  });
});
