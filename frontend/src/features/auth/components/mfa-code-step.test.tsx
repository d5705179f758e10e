import { screen } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '@/lib/api-client';
import { apiError } from '@/testing/fake-fetch';
import { fakeServer, renderWithProviders } from '@/testing/test-utils';
import { LoginForm } from './login-form';

const me = { id: 'u1', email: 'a@example.com', created_at: '2026-01-01T00:00:00Z', mfa_enabled: true };
const challenge = { body: { mfa_required: true, mfa_token: 'mfa-token-1', expires_in: 300 } };
const tokens = { body: { access_token: 'after-code', token_type: 'bearer', expires_in: 900 } };

async function passwordStep(onSuccess = vi.fn()) {
  const view = renderWithProviders(<LoginForm onSuccess={onSuccess} />);
  await view.user.type(screen.getByLabelText('Email'), 'a@example.com');
  await view.user.type(screen.getByLabelText('Password'), 'correct horse');
  await view.user.click(screen.getByRole('button', { name: 'Sign in' }));
  await screen.findByRole('form', { name: 'Two-factor code' });
  return { ...view, onSuccess };
}

describe('sign-in with two-factor', () => {
  beforeEach(() => api.setSession(null));

  it('asks for a code after the password and signs in only with it', async () => {
    const server = fakeServer({ 'POST /api/v1/auth/login': challenge, 'POST /api/v1/auth/login/mfa': tokens, 'GET /api/v1/users/me': { body: me } });
    const { user, onSuccess } = await passwordStep();
    expect(api.isAuthenticated).toBe(false);
    expect(server.callsTo('GET', '/api/v1/users/me')).toHaveLength(0);
    await user.type(screen.getByLabelText('Authentication code'), '123456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    await vi.waitFor(() => expect(onSuccess).toHaveBeenCalled());
    expect(onSuccess.mock.calls[0]![0]).toEqual(me);
    expect(server.callsTo('POST', '/api/v1/auth/login/mfa')[0]!.body).toEqual({ mfa_token: 'mfa-token-1', code: '123456' });
    expect(server.callsTo('GET', '/api/v1/users/me')[0]!.headers.get('Authorization')).toBe('Bearer after-code');
  });

  it('refuses a malformed code before asking the server', async () => {
    const server = fakeServer({ 'POST /api/v1/auth/login': challenge });
    const { user } = await passwordStep();
    await user.type(screen.getByLabelText('Authentication code'), '12ab');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    expect(screen.getByLabelText('Authentication code')).toHaveAccessibleDescription(/Enter the 6 digits/);
    expect(server.callsTo('POST', '/api/v1/auth/login/mfa')).toHaveLength(0);
  });

  it('shows a wrong or reused code on the field, and the wait when throttled', async () => {
    let answer = apiError(401, 'invalid_mfa_code', 'The code is wrong or was already used.');
    fakeServer({ 'POST /api/v1/auth/login': challenge, 'POST /api/v1/auth/login/mfa': () => answer });
    const { user } = await passwordStep();
    await user.type(screen.getByLabelText('Authentication code'), '111111');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    expect(await screen.findByText('Wrong or already used code. Try the next one.')).toBeInTheDocument();
    answer = apiError(429, 'too_many_attempts', 'Too many wrong two-factor codes', null, { 'Retry-After': '600' });
    await user.clear(screen.getByLabelText('Authentication code'));
    await user.type(screen.getByLabelText('Authentication code'), '222222');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/Too many wrong codes\. Wait 10 min/);
  });

  it('signs in with a recovery code instead', async () => {
    const server = fakeServer({ 'POST /api/v1/auth/login': challenge, 'POST /api/v1/auth/login/mfa': tokens, 'GET /api/v1/users/me': { body: me } });
    const { user, onSuccess } = await passwordStep();
    await user.click(screen.getByRole('button', { name: 'Use a recovery code instead' }));
    await user.type(screen.getByLabelText('Recovery code'), 'abcd-efgh-jkmn-pqrs');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    await vi.waitFor(() => expect(onSuccess).toHaveBeenCalled());
    expect(server.callsTo('POST', '/api/v1/auth/login/mfa')[0]!.body).toEqual({ mfa_token: 'mfa-token-1', recovery_code: 'abcd-efgh-jkmn-pqrs' });
  });

  it('goes back to the password when the step expired', async () => {
    fakeServer({ 'POST /api/v1/auth/login': challenge, 'POST /api/v1/auth/login/mfa': apiError(401, 'invalid_mfa_token', 'expired') });
    const { user } = await passwordStep();
    await user.type(screen.getByLabelText('Authentication code'), '123456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This sign-in step expired. Sign in again.');
    await user.click(screen.getByRole('button', { name: 'Sign in again' }));
    expect(screen.getByRole('form', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByLabelText('Email')).toHaveValue('a@example.com');
    expect(screen.getByLabelText('Password')).toHaveValue('');
  });

  it('signs in at once when the account has no second factor', async () => {
    fakeServer({ 'POST /api/v1/auth/login': tokens, 'GET /api/v1/users/me': { body: { ...me, mfa_enabled: false } } });
    const onSuccess = vi.fn();
    const { user } = renderWithProviders(<LoginForm onSuccess={onSuccess} />);
    await user.type(screen.getByLabelText('Email'), 'a@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await vi.waitFor(() => expect(onSuccess).toHaveBeenCalled());
    expect(screen.queryByRole('form', { name: 'Two-factor code' })).not.toBeInTheDocument();
  });
});
