import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { api } from '@/lib/api-client';
import { apiError } from '@/testing/fake-fetch';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import { ChangePasswordForm } from './change-password-form';
import { WebhookForm } from './webhook-form';

const user = { id: 'u1', email: 'a@example.com', created_at: '2026-01-01T00:00:00Z' };

describe('settings', () => {
  it('changes the password and adopts the fresh session the server returns', async () => {
    signIn();
    const server = fakeServer({
      'PATCH /api/v1/users/me': { body: { ...user, access_token: 'after-change', refresh_token: 'r2', token_type: 'bearer', expires_in: 900 } },
      'GET /api/v1/bots': { body: { items: [] } },
    });
    const { user: u } = renderWithProviders(<ChangePasswordForm />);
    await u.type(screen.getByLabelText('Current password'), 'old-password');
    await u.type(screen.getByLabelText('New password'), 'new-password-1');
    await u.type(screen.getByLabelText('Repeat new password'), 'new-password-2');
    await u.click(screen.getByRole('button', { name: 'Change password' }));
    expect(screen.getByLabelText('Repeat new password')).toHaveAccessibleDescription('Passwords do not match');
    expect(server.calls).toHaveLength(0);

    await u.clear(screen.getByLabelText('Repeat new password'));
    await u.type(screen.getByLabelText('Repeat new password'), 'new-password-1');
    await u.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText('Password changed.')).toBeInTheDocument();
    expect(server.calls[0]!.body).toEqual({ current_password: 'old-password', new_password: 'new-password-1' });

    await api.get('/bots');
    expect(server.callsTo('GET', '/api/v1/bots')[0]!.headers.get('Authorization')).toBe('Bearer after-change');
  });

  it('shows a wrong current password', async () => {
    signIn();
    fakeServer({ 'PATCH /api/v1/users/me': apiError(401, 'invalid_credentials', 'The current password is wrong') });
    const { user: u } = renderWithProviders(<ChangePasswordForm />);
    await u.type(screen.getByLabelText('Current password'), 'nope');
    await u.type(screen.getByLabelText('New password'), 'new-password-1');
    await u.type(screen.getByLabelText('Repeat new password'), 'new-password-1');
    await u.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The current password is wrong');
  });

  it('saves the webhook URL and shows a server refusal on the field', async () => {
    signIn();
    const server = fakeServer({
      'PATCH /api/v1/users/me/settings': (req) =>
        (req.body as { webhook_url: string }).webhook_url.startsWith('https://')
          ? { body: { ...user, webhook_url: (req.body as { webhook_url: string }).webhook_url } }
          : apiError(400, 'invalid_webhook_url', 'The webhook URL must be an https:// URL.', [{ field: 'webhook_url', message: 'must be an absolute https URL' }]),
    });
    const { user: u } = renderWithProviders(<WebhookForm current={null} />);
    await u.type(screen.getByLabelText('Webhook URL'), 'http://insecure.example/hook');
    await u.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('must be an absolute https URL')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('The webhook URL must be an https:// URL.');

    await u.clear(screen.getByLabelText('Webhook URL'));
    await u.type(screen.getByLabelText('Webhook URL'), 'https://hooks.example/tradebot');
    await u.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Saved.')).toBeInTheDocument();
    await vi.waitFor(() => expect(server.calls).toHaveLength(2));
  });
});
