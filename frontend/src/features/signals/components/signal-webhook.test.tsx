import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError } from '@/testing/fake-fetch';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import { SignalLog } from './signal-log';
import { SignalWebhook } from './signal-webhook';

const first = { token: 'aaaaaaaaaaaaaaaa.first-secret-xxxxxxxxxxxxxxxx', url: 'https://api.example.com/api/v1/signals/aaaaaaaaaaaaaaaa.first-secret-xxxxxxxxxxxxxxxx' };
const second = { token: 'bbbbbbbbbbbbbbbb.second-secret-yyyyyyyyyyyyyyy', url: 'https://api.example.com/api/v1/signals/bbbbbbbbbbbbbbbb.second-secret-yyyyyyyyyyyyyyy' };

describe('signal webhook', () => {
  it('creates the URL after a confirmation, shows the alert messages and copies them', async () => {
    signIn();
    const issued = [first, second];
    const server = fakeServer({ 'POST /api/v1/bots/b1/signal-secret': () => ({ status: 201, body: issued.shift() }) });
    const { user } = renderWithProviders(<SignalWebhook botId="b1" symbol="BTCUSDT" running />);
    await user.click(screen.getByRole('button', { name: 'Create webhook URL' }));
    expect(server.callsTo('POST', '/api/v1/bots/b1/signal-secret')).toHaveLength(0); // not before the confirmation
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Create new URL' }));

    expect(await screen.findByLabelText('Webhook URL')).toHaveValue(first.url);
    expect(JSON.parse((screen.getByLabelText('Pine strategy (order fills)') as HTMLInputElement).value)).toMatchObject({
      action: '{{strategy.order.action}}',
    });
    await user.click(screen.getByRole('button', { name: 'Copy Buy alert' }));
    expect(await navigator.clipboard.readText()).toContain('"action":"buy"');
    await user.click(screen.getByRole('button', { name: 'Copy Webhook URL' }));
    expect(await navigator.clipboard.readText()).toBe(first.url);

    // Rotating is one click and a confirmation; the new URL replaces the old.
    await user.click(screen.getByRole('button', { name: 'Rotate secret' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Create new URL' }));
    expect(await screen.findByDisplayValue(second.url)).toBeInTheDocument();
    expect(server.callsTo('POST', '/api/v1/bots/b1/signal-secret')).toHaveLength(2);
  });

  it('sends a test signal through the public webhook without the session', async () => {
    signIn();
    const server = fakeServer({
      'POST /api/v1/bots/b1/signal-secret': { status: 201, body: first },
      [`POST /api/v1/signals/${first.token}`]: { status: 202, body: { signal_id: 'test-1', status: 'queued', received_at: 1 } },
      'GET /api/v1/bots/b1/signals': { body: { items: [], next_cursor: null } },
    });
    const { user } = renderWithProviders(<SignalWebhook botId="b1" symbol="BTCUSDT" running />);
    await user.click(screen.getByRole('button', { name: 'Create webhook URL' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Create new URL' }));
    await user.click(await screen.findByRole('button', { name: 'Send a test signal' }));

    expect(await screen.findByText(/Test signal queued/)).toBeInTheDocument();
    const [call] = server.callsTo('POST', `/api/v1/signals/${first.token}`);
    expect(call!.body).toMatchObject({ action: 'buy', ticker: 'BTCUSDT' });
    expect(call!.headers.get('Authorization')).toBeNull();
  });

  it("shows the server's refusal of the rotation", async () => {
    signIn();
    fakeServer({ 'POST /api/v1/bots/b1/signal-secret': apiError(409, 'not_a_signal_bot', 'Only a signal bot has a webhook secret.') });
    const { user } = renderWithProviders(<SignalWebhook botId="b1" symbol="BTCUSDT" running={false} />);
    await user.click(screen.getByRole('button', { name: 'Create webhook URL' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Create new URL' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Only a signal bot has a webhook secret.');
  });
});

describe('signal log', () => {
  it('lists each signal with its outcome', async () => {
    signIn();
    const entry = { symbol: 'BTCUSDT', received_at: 1_772_359_200_000, sent_at: null, order_ids: [] as string[] };
    fakeServer({
      'GET /api/v1/bots/b1/signals': {
        body: {
          items: [
            { ...entry, seq: '3', signal_id: 'tv-2', action: 'buy', status: 'duplicate', reason: null, message: 'this signal was already received' },
            { ...entry, seq: '2', signal_id: 'tv-1', action: 'sell', status: 'refused', reason: 'no_position', message: 'nothing to sell' },
            { ...entry, seq: '1', signal_id: 'tv-2', action: 'buy', status: 'executed', reason: null, message: null, order_ids: ['ts123'] },
          ],
          next_cursor: null,
        },
      },
    });
    renderWithProviders(<SignalLog botId="b1" running />);
    const rows = await screen.findAllByRole('row');
    expect(rows.slice(1).map((r) => within(r).getAllByRole('cell').slice(1).map((c) => c.textContent))).toEqual([
      ['buy', 'tv-2', 'duplicate', 'this signal was already received'],
      ['sell', 'tv-1', 'refused', 'no_position: nothing to sell'],
      ['buy', 'tv-2', 'executed', 'order ts123'],
    ]);
  });
});
