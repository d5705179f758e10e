import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { userQueryKey } from '@/lib/auth';
import { api } from '@/lib/api-client';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import { ProtectedRoute } from '../../protected-route';
import LoginRoute from '../auth/login';
import SettingsRoute from './settings';

const me = { id: 'u1', email: 'trader@example.com', created_at: '2026-01-01T00:00:00Z', webhook_url: null };
const liveBot = {
  id: 'b-live',
  name: 'BTC trend',
  strategy: 'sma_cross',
  params: {},
  symbol: 'BTCUSDT',
  interval: '1h',
  mode: 'live',
  budget: '100',
  status: 'running',
  state: { in_position: true, quantity: '0.0015' },
};
const paperBot = { ...liveBot, id: 'b-paper', name: 'Paper ETH', symbol: 'ETHUSDT', mode: 'paper' };

describe('settings: delete account', () => {
  it('warns about open live positions, deletes, signs out locally and shows the report on the sign-in page', async () => {
    signIn();
    const server = fakeServer({
      'GET /api/v1/users/me': { body: me },
      'GET /api/v1/users/me/webhook': { body: { webhook_url: null, webhook_secret: null } },
      'GET /api/v1/bots': { body: { items: [liveBot, paperBot] } },
      'DELETE /api/v1/users/me': {
        body: {
          deleted: true,
          bots_deleted: 2,
          positions_left: [{ bot_id: 'b-live', symbol: 'BTCUSDT', quantity: '0.0015', mode: 'live' }],
          api_keys_deleted: 1,
          backtests_deleted: 0,
          notifications_deleted: 3,
          trades_deleted: 5,
          trades_retained: 2,
          trades_retained_until: '2027-03-01T10:00:00Z',
        },
      },
    });
    // Inside the guard, as in the app (its redirect must not win over the report; this memory router does not reproduce
    // the lazy-route delay that makes the order matter in the browser, so the order itself is not proven here).
    const { user, queryClient, router } = renderWithProviders(
      <ProtectedRoute>
        <SettingsRoute />
      </ProtectedRoute>,
      {
      path: '/settings',
        extraRoutes: [{ path: '/login', element: <LoginRoute /> }],
      },
    );

    const form = await screen.findByRole('form', { name: 'Delete account' });
    expect(screen.getByRole('region', { name: 'Delete account' })).toContainElement(form);
    expect(screen.getByRole('region', { name: 'Export my data' })).toBeInTheDocument();
    const warning = await within(form).findByText(/This live bot holds a position/);
    expect(warning.closest('[role="status"]')).toHaveTextContent('BTC trend: 0.0015 BTCUSDT');
    expect(within(form).queryByText(/Paper ETH/)).not.toBeInTheDocument();

    await user.type(within(form).getByLabelText('Password'), 'my password');
    await user.type(within(form).getByLabelText('Type DELETE to confirm'), 'DELETE');
    await user.click(within(form).getByRole('button', { name: 'Delete my account permanently' }));

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(router.state.location.pathname + router.state.location.search).toBe('/login');
    expect(screen.getByText('Your account was deleted.')).toBeInTheDocument();
    expect(screen.getByText(/2 live trades are kept for audit until 2027-03-01/)).toBeInTheDocument();
    expect(within(screen.getByRole('list', { name: 'Positions left open' })).getByRole('listitem')).toHaveTextContent('0.0015 BTCUSDT');
    expect(api.isAuthenticated).toBe(false);
    expect(queryClient.getQueryData(userQueryKey)).toBeNull();
    expect(queryClient.getQueryData(['bots'])).toBeUndefined();
    expect(server.callsTo('POST', '/api/v1/auth/logout')).toHaveLength(0);
  });

  it('shows no deletion notice on a plain visit to the sign-in page', () => {
    fakeServer({});
    renderWithProviders(<LoginRoute />, { path: '/login' });
    expect(screen.queryByText('Your account was deleted.')).not.toBeInTheDocument();
  });
});
