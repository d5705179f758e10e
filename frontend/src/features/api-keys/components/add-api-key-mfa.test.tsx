import { act, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { userQueryKey } from '@/lib/auth';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import { AddApiKeyForm } from './add-api-key-form';

describe('adding an API key with two-factor sign-in on', () => {
  it('wants a fresh code and sends it with the key', async () => {
    signIn();
    const server = fakeServer({
      'POST /api/v1/api-keys': { status: 201, body: { id: 'k1', label: 'main', api_key_last4: 'abcd', testnet: false, created_at: '2026-01-01T00:00:00Z' } },
    });
    const { user, queryClient } = renderWithProviders(<AddApiKeyForm />);
    act(() => queryClient.setQueryData(userQueryKey, { id: 'u1', email: 'a@example.com', created_at: '2026-01-01T00:00:00Z', mfa_enabled: true }));
    await user.type(screen.getByLabelText('Label'), 'main');
    await user.type(screen.getByLabelText('API key'), 'K'.repeat(20) + 'abcd');
    await user.type(screen.getByLabelText('Secret key'), 'S'.repeat(40));
    await user.click(screen.getByRole('button', { name: 'Add key' }));
    expect(screen.getByLabelText('Authentication code')).toHaveAccessibleDescription(/Enter the 6 digits/);
    expect(server.calls).toHaveLength(0);
    await user.type(screen.getByLabelText('Authentication code'), '123456');
    await user.click(screen.getByRole('button', { name: 'Add key' }));
    expect(await screen.findByText(/added and verified/)).toBeInTheDocument();
    expect(server.calls[0]!.body).toEqual({ label: 'main', api_key: 'K'.repeat(20) + 'abcd', api_secret: 'S'.repeat(40), testnet: false, mfa_code: '123456' });
  });
});
