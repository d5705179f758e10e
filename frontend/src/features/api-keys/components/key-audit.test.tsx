import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import { ApiKeysList } from './api-keys-list';

const KEY = { id: 'k1', label: 'Main', api_key_last4: 'Eh8A', testnet: false, created_at: '2026-01-01T00:00:00Z' };
const keyUse = (at: string, action: string, outcome = 'ok') => ({ at, action, outcome, bot_id: 'b1', detail: `${action} detail`, exchange_code: outcome === 'ok' ? null : -2015 });

describe('key audit trail', () => {
  it("shows the IP warning and pages through a key's uses", async () => {
    signIn();
    const warning = 'This key is not restricted to trusted IPs: restrict it to the platform egress IPs: 198.51.100.7';
    const server = fakeServer({
      'GET /api/v1/api-keys': { body: { items: [{ ...KEY, ip_warning: warning }] } },
      'GET /api/v1/api-keys/k1/audit': (req) =>
        req.query.get('cursor') === 'c2'
          ? { body: { items: [{ ...keyUse('2026-01-01T00:00:00Z', 'key_check'), bot_id: null }], next_cursor: null } }
          : {
              body: {
                items: [keyUse('2026-01-02T00:00:00Z', 'order_placed'), keyUse('2026-01-01T12:00:00Z', 'balance_lookup', 'ip_or_permission')],
                next_cursor: 'c2',
              },
            },
    });
    const { user } = renderWithProviders(<ApiKeysList />);
    expect(await screen.findByRole('note')).toHaveTextContent('198.51.100.7');
    await user.click(screen.getByRole('button', { name: 'Audit trail of key Main' }));
    expect(await screen.findByText('Order placed')).toBeInTheDocument();
    expect(screen.getByText('ip or permission')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Older uses' }));
    expect(await screen.findByText('Key checked')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Older uses' })).not.toBeInTheDocument();
    expect(server.callsTo('GET', '/api/v1/api-keys/k1/audit').map((c) => c.query.get('cursor'))).toEqual([null, 'c2']);
  });

  it('says so when a key has no recorded use', async () => {
    signIn();
    fakeServer({
      'GET /api/v1/api-keys': { body: { items: [KEY] } },
      'GET /api/v1/api-keys/k1/audit': { body: { items: [], next_cursor: null } },
    });
    const { user } = renderWithProviders(<ApiKeysList />);
    await user.click(await screen.findByRole('button', { name: 'Audit trail of key Main' }));
    expect(await screen.findByText(/No use of this key recorded/)).toBeInTheDocument();
    expect(screen.queryByRole('note')).not.toBeInTheDocument();
  });
});
