import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { api } from '@/lib/api-client';
import { apiError } from '@/testing/fake-fetch';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import { ChangePasswordForm } from './change-password-form';
import { WebhookForm } from './webhook-form';
import { WebhookSecret } from './webhook-secret';

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
    // Local mode lets http:// through the form; the server still judges the URL and may refuse it.
    const { user: u } = renderWithProviders(<WebhookForm current={null} allowHttp />);
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

  it('refuses an http:// webhook before sending unless the server runs in local mode, and says which', async () => {
    signIn();
    const server = fakeServer({});
    const { user: u } = renderWithProviders(<WebhookForm current={null} />);
    expect(screen.getByText(/The URL must start with https:\/\//)).toBeInTheDocument();
    await u.type(screen.getByLabelText('Webhook URL'), 'http://localhost:9/hook');
    await u.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('A URL starting with https://')).toBeInTheDocument();
    expect(server.calls).toHaveLength(0);
  });

  it('says http:// is accepted in local mode', () => {
    signIn();
    renderWithProviders(<WebhookForm current={null} allowHttp />);
    expect(screen.getByText(/runs in local mode, so http:\/\/ is accepted/)).toBeInTheDocument();
  });

  describe('webhook signing secret', () => {
    const url = 'https://hooks.example/tradebot';

    it('is hidden until shown, and rotating it asks first and then shows the new one', async () => {
      signIn();
      const server = fakeServer({
        'GET /api/v1/users/me/webhook': { body: { webhook_url: url, webhook_secret: 'whsec_first-secret' } },
        'POST /api/v1/users/me/webhook/secret': { body: { webhook_url: url, webhook_secret: 'whsec_second-secret' } },
      });
      const { user: u } = renderWithProviders(<WebhookSecret />);
      const secret = await screen.findByTestId('webhook-secret');
      expect(secret).not.toHaveTextContent('whsec_');
      await u.click(screen.getByRole('button', { name: 'Show secret' }));
      expect(secret).toHaveTextContent('whsec_first-secret');
      await u.click(screen.getByRole('button', { name: 'Hide secret' }));
      expect(secret).not.toHaveTextContent('whsec_');

      await u.click(screen.getByRole('button', { name: 'Rotate secret' }));
      const dialog = screen.getByRole('dialog', { name: 'Rotate the signing secret?' });
      await u.click(within(dialog).getByRole('button', { name: 'Cancel' }));
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
      expect(server.callsTo('POST', '/api/v1/users/me/webhook/secret')).toHaveLength(0);

      await u.click(screen.getByRole('button', { name: 'Rotate secret' }));
      await u.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Rotate' }));
      expect(await screen.findByText(/New secret in effect/)).toBeInTheDocument();
      expect(screen.getByTestId('webhook-secret')).toHaveTextContent('whsec_second-secret');
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
      expect(server.callsTo('POST', '/api/v1/users/me/webhook/secret')).toHaveLength(1);
      expect(server.callsTo('POST', '/api/v1/users/me/webhook/secret')[0]!.headers.get('Authorization')).toBe('Bearer test-access-token');
    });

    it('copies the secret', async () => {
      signIn();
      fakeServer({ 'GET /api/v1/users/me/webhook': { body: { webhook_url: url, webhook_secret: 'whsec_copy-me' } } });
      const { user: u } = renderWithProviders(<WebhookSecret />);
      await u.click(await screen.findByRole('button', { name: 'Copy' }));
      expect(await navigator.clipboard.readText()).toBe('whsec_copy-me');
      expect(screen.getByText('Copied.')).toBeInTheDocument();
    });

    it('shows a refused rotation', async () => {
      signIn();
      fakeServer({
        'GET /api/v1/users/me/webhook': { body: { webhook_url: url, webhook_secret: 'whsec_first-secret' } },
        'POST /api/v1/users/me/webhook/secret': apiError(409, 'no_webhook', 'Set a webhook URL before rotating its secret.'),
      });
      const { user: u } = renderWithProviders(<WebhookSecret />);
      await u.click(await screen.findByRole('button', { name: 'Rotate secret' }));
      await u.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Rotate' }));
      expect(await screen.findByRole('alert')).toHaveTextContent('Set a webhook URL before rotating its secret.');
    });

    it('asks for a URL first, and shows the secret once the URL is saved', async () => {
      signIn();
      let saved: string | null = null;
      const server = fakeServer({
        'GET /api/v1/users/me/webhook': () => ({ body: { webhook_url: saved, webhook_secret: saved ? 'whsec_new-url-secret' : null } }),
        'PATCH /api/v1/users/me/settings': (req) => {
          saved = (req.body as { webhook_url: string }).webhook_url;
          return { body: { ...user, webhook_url: saved } };
        },
      });
      const { user: u } = renderWithProviders(
        <>
          <WebhookForm current={null} />
          <WebhookSecret />
        </>,
      );
      expect(await screen.findByText('Save a webhook URL to get its signing secret.')).toBeInTheDocument();
      await u.type(screen.getByLabelText('Webhook URL'), url);
      await u.click(screen.getByRole('button', { name: 'Save' }));
      await u.click(await screen.findByRole('button', { name: 'Show secret' }));
      expect(screen.getByTestId('webhook-secret')).toHaveTextContent('whsec_new-url-secret');
      expect(server.callsTo('GET', '/api/v1/users/me/webhook')).toHaveLength(2);
    });
  });
});
