import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError } from '@/testing/fake-fetch';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import { AddApiKeyForm } from './add-api-key-form';
import { ApiKeysList } from './api-keys-list';

const KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

describe('API keys', () => {
  it('adds a key and clears the secret from the page', async () => {
    signIn();
    const server = fakeServer({
      'POST /api/v1/api-keys': { status: 201, body: { id: 'k1', label: 'Main', api_key_last4: '8A', testnet: true, created_at: '2026-01-01T00:00:00Z' } },
      'GET /api/v1/api-keys': { body: { items: [] } },
    });
    const { user } = renderWithProviders(<AddApiKeyForm />);
    await user.type(screen.getByLabelText('Label'), 'Main');
    await user.type(screen.getByLabelText('API key'), KEY);
    await user.type(screen.getByLabelText('Secret key'), SECRET);
    await user.click(screen.getByLabelText(/Spot testnet key/));
    await user.click(screen.getByRole('button', { name: 'Add key' }));
    expect(await screen.findByText(/added and verified/)).toBeInTheDocument();
    expect(server.callsTo('POST', '/api/v1/api-keys')[0]!.body).toEqual({ label: 'Main', api_key: KEY, api_secret: SECRET, testnet: true });
    expect(screen.getByLabelText('Secret key')).toHaveValue('');
    // The emptied form is a fresh one: no "give the key a label" errors under the fields it just cleared.
    expect(screen.queryByText('Give the key a label')).not.toBeInTheDocument();
    expect(screen.getByLabelText('API key')).not.toHaveAttribute('aria-invalid', 'true');
  });

  it("shows the exchange's refusal plainly (withdrawals enabled)", async () => {
    signIn();
    const message = 'This key can withdraw funds. In Binance API Management, edit the key and untick "Enable Withdrawals", then add it again.';
    fakeServer({ 'POST /api/v1/api-keys': apiError(422, 'withdrawals_enabled', message) });
    const { user } = renderWithProviders(<AddApiKeyForm />);
    await user.type(screen.getByLabelText('Label'), 'Main');
    await user.type(screen.getByLabelText('API key'), KEY);
    await user.type(screen.getByLabelText('Secret key'), SECRET);
    await user.click(screen.getByRole('button', { name: 'Add key' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(message);
    // The user's input stays so they can retry after fixing the key on Binance.
    expect(screen.getByLabelText('API key')).toHaveValue(KEY);
  });

  it('lists keys masked and shows why a delete was refused', async () => {
    signIn();
    fakeServer({
      'GET /api/v1/api-keys': { body: { items: [{ id: 'k1', label: 'Main', api_key_last4: 'Eh8A', testnet: false, created_at: '2026-01-01T00:00:00Z' }] } },
      'DELETE /api/v1/api-keys/k1': apiError(409, 'key_in_use', 'Bot "Scalper" is running with this key; stop it first.'),
    });
    const { user } = renderWithProviders(<ApiKeysList />);
    expect(await screen.findByText(/••••••••••••Eh8A/)).toBeInTheDocument();
    expect(screen.queryByText(KEY)).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Delete key Main' }));
    await user.click(screen.getByRole('button', { name: 'Delete key' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('stop it first');
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('shows an empty state and a load error with the server message', async () => {
    signIn();
    let fail = true;
    fakeServer({ 'GET /api/v1/api-keys': () => (fail ? apiError(503, 'unavailable', 'Key store unavailable') : { body: { items: [] } }) });
    const { user } = renderWithProviders(<ApiKeysList />);
    expect(await screen.findByText('Key store unavailable')).toBeInTheDocument();
    fail = false;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('No API keys yet')).toBeInTheDocument();
  });
});
