import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { api } from '@/lib/api-client';
import { apiError } from '@/testing/fake-fetch';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import { CheckInbox, ForgotPasswordForm, ResetPasswordForm, VerifyEmail } from './email-links';
import { RegisterForm } from './register-form';

describe('e-mail links', () => {
  it('asks for a reset link and goes on to the inbox page', async () => {
    const server = fakeServer({ 'POST /api/v1/auth/forgot-password': { status: 202, body: { email: 'a@example.com', message: 'sent' } } });
    const sent: string[] = [];
    const { user } = renderWithProviders(<ForgotPasswordForm onSent={(email) => sent.push(email)} />);
    await user.click(screen.getByRole('button', { name: 'Send a reset link' }));
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter a valid email address');
    expect(server.calls).toHaveLength(0);
    await user.type(screen.getByLabelText('Email'), 'a@example.com');
    await user.click(screen.getByRole('button', { name: 'Send a reset link' }));
    await screen.findByRole('button', { name: 'Send a reset link' });
    expect(server.calls[0]!.body).toEqual({ email: 'a@example.com' });
    expect(sent).toEqual(['a@example.com']);
  });

  it('shows the throttle refusal of a reset request', async () => {
    fakeServer({ 'POST /api/v1/auth/forgot-password': apiError(429, 'too_many_requests', 'Too many e-mail requests; try again later.') });
    const { user } = renderWithProviders(<ForgotPasswordForm onSent={() => undefined} />);
    await user.type(screen.getByLabelText('Email'), 'a@example.com');
    await user.click(screen.getByRole('button', { name: 'Send a reset link' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many e-mail requests');
  });

  it('the inbox page resends the verification link once', async () => {
    const server = fakeServer({ 'POST /api/v1/auth/resend-verification': { status: 202, body: { email: 'a@example.com', message: 'sent' } } });
    const { user } = renderWithProviders(<CheckInbox email="a@example.com" />);
    expect(screen.getByText('a@example.com')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Send the verification link again' }));
    expect(await screen.findByRole('button', { name: 'Sent again' })).toBeDisabled();
    expect(server.callsTo('POST', '/api/v1/auth/resend-verification')).toHaveLength(1);
  });

  it('confirms the address with the token of the link, once', async () => {
    const server = fakeServer({ 'POST /api/v1/auth/verify-email': { body: { email: 'a@example.com', email_verified: true } } });
    renderWithProviders(<VerifyEmail token="tok-123" />, { path: '/verify', url: '/verify?token=tok-123' });
    expect(await screen.findByText('Your e-mail address a@example.com is confirmed.')).toBeInTheDocument();
    expect(server.calls.map((c) => c.body)).toEqual([{ token: 'tok-123' }]);
  });

  it('says when a verification link is used or expired', async () => {
    fakeServer({ 'POST /api/v1/auth/verify-email': apiError(422, 'invalid_token', 'This link is invalid, already used or expired; ask for a new one.') });
    renderWithProviders(<VerifyEmail token="old" />);
    expect(await screen.findByRole('alert')).toHaveTextContent('already used or expired');
  });

  it('sets a new password with the reset token and ends the session', async () => {
    signIn();
    const server = fakeServer({ 'POST /api/v1/auth/reset-password': { status: 204 } });
    const { user } = renderWithProviders(<ResetPasswordForm token="reset-tok" />);
    await user.type(screen.getByLabelText('New password'), 'a new long passphrase');
    await user.type(screen.getByLabelText('Repeat new password'), 'a different one!!');
    await user.click(screen.getByRole('button', { name: 'Set the new password' }));
    expect(screen.getByLabelText('Repeat new password')).toHaveAccessibleDescription('Passwords do not match');
    expect(server.calls).toHaveLength(0);
    await user.clear(screen.getByLabelText('Repeat new password'));
    await user.type(screen.getByLabelText('Repeat new password'), 'a new long passphrase');
    await user.click(screen.getByRole('button', { name: 'Set the new password' }));
    expect(await screen.findByText('Your password was changed and every session was signed out.')).toBeInTheDocument();
    expect(server.calls[0]!.body).toEqual({ token: 'reset-tok', new_password: 'a new long passphrase' });
    expect(api.isAuthenticated).toBe(false);
  });

  it('shows a refused reset link and a weak password on the field', async () => {
    fakeServer({
      'POST /api/v1/auth/reset-password': (req) =>
        (req.body as { new_password: string }).new_password === 'password1234'
          ? apiError(422, 'weak_password', 'The password is too easy to guess.', [{ field: 'new_password', message: 'too common' }])
          : apiError(422, 'invalid_token', 'This link is invalid, already used or expired; ask for a new one.'),
    });
    const { user } = renderWithProviders(<ResetPasswordForm token="t" />);
    await user.type(screen.getByLabelText('New password'), 'password1234');
    await user.type(screen.getByLabelText('Repeat new password'), 'password1234');
    await user.click(screen.getByRole('button', { name: 'Set the new password' }));
    expect(await screen.findByText('too common')).toBeInTheDocument();
    await user.clear(screen.getByLabelText('New password'));
    await user.clear(screen.getByLabelText('Repeat new password'));
    await user.type(screen.getByLabelText('New password'), 'a fine long passphrase');
    await user.type(screen.getByLabelText('Repeat new password'), 'a fine long passphrase');
    await user.click(screen.getByRole('button', { name: 'Set the new password' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('already used or expired');
  });

  it('registration of an address whose sign-in is refused leads to "check your inbox"', async () => {
    fakeServer({
      'POST /api/v1/auth/register': { status: 202, body: { email: 'a@example.com', message: 'sent' } },
      'POST /api/v1/auth/login': apiError(401, 'invalid_credentials', 'Wrong e-mail or password.'),
    });
    const results: Array<[unknown, string]> = [];
    const { user } = renderWithProviders(<RegisterForm onSuccess={(u, email) => results.push([u, email])} />);
    await user.type(screen.getByLabelText('Email'), 'a@example.com');
    await user.type(screen.getByLabelText('Password', { exact: true }), 'long enough pass');
    await user.type(screen.getByLabelText('Repeat password'), 'long enough pass');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    await screen.findByRole('button', { name: 'Create account' });
    await vi.waitFor(() => expect(results).toEqual([[null, 'a@example.com']]));
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
