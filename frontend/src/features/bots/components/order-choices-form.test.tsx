import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { btc, eth, smaCross } from '@/testing/fixtures';
import { gridWithOrderType } from '@/testing/order-fixtures';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import type { Bot } from '../types';
import { CreateBotForm } from './create-bot-form';
import { EditBotForm } from './edit-bot-form';

const keys = [{ id: 'k1', label: 'Main', api_key_last4: 'abcd', testnet: true }];
const echo = (req: { body: unknown }) => ({ status: 201, body: { id: 'bot-1', status: 'stopped', ...(req.body as object) } });

describe('the new order choices in the bot forms', () => {
  it("labels the grid's order types in plain words and starts a new grid on resting limit orders", async () => {
    signIn();
    const server = fakeServer({ 'POST /api/v1/bots': echo });
    const onCreated = vi.fn();
    const { user } = renderWithProviders(<CreateBotForm strategies={[gridWithOrderType, smaCross]} symbols={[btc, eth]} apiKeys={keys} onCreated={onCreated} />);
    const orderType = screen.getByLabelText('Order type');
    expect(orderType).toHaveValue('limit');
    expect(within(orderType).getAllByRole('option').map((o) => [o.getAttribute('value'), o.textContent])).toEqual([
      ['market', 'Market (at the next open once the price crosses the level)'],
      ['limit', 'Limit (rests on the exchange at the level)'],
      ['limit_maker', 'Limit maker (rests at the level, refused if it would fill at once; maker fee only)'],
    ]);
    expect(within(screen.getByLabelText('Spacing')).getByRole('option', { name: 'Geometric (equal % steps)' })).toHaveValue('geometric');

    await user.selectOptions(orderType, 'Limit maker (rests at the level, refused if it would fill at once; maker fee only)');
    await user.type(screen.getByLabelText('Name'), 'Ladder');
    await user.click(screen.getByRole('button', { name: 'Create bot' }));
    await vi.waitFor(() => expect(onCreated).toHaveBeenCalled());
    expect(server.callsTo('POST', '/api/v1/bots')[0]!.body).toMatchObject({
      strategy: 'grid',
      params: { lower: 50000, upper: 70000, levels: 10, spacing: 'arithmetic', order_type: 'limit_maker' },
      risk: {},
    });
  });

  it('keeps a switch to the grid on limit orders too', async () => {
    signIn();
    fakeServer({});
    const { user } = renderWithProviders(<CreateBotForm strategies={[smaCross, gridWithOrderType]} symbols={[btc, eth]} apiKeys={keys} onCreated={vi.fn()} />);
    await user.selectOptions(screen.getByLabelText('Strategy'), 'grid');
    expect(screen.getByLabelText('Order type')).toHaveValue('limit');
  });

  it('says where the stops are checked, sends nothing until the user chooses, then sends the choice', async () => {
    signIn();
    const server = fakeServer({ 'POST /api/v1/bots': echo });
    const onCreated = vi.fn();
    const { user } = renderWithProviders(<CreateBotForm strategies={[smaCross]} symbols={[btc, eth]} apiKeys={keys} onCreated={onCreated} />);
    expect(screen.getByText(/Stop-loss and take-profit \(automatic\): Checked by the bot each candle\./)).toBeInTheDocument();
    // A new live bot with a stop gets it on the exchange unless told otherwise.
    await user.click(screen.getByLabelText('Live (real orders)'));
    await user.type(screen.getByLabelText('Stop-loss %'), '3');
    expect(screen.getByText(/Stop-loss and take-profit \(automatic\): On the exchange \(fires even if the platform is down\)\./)).toBeInTheDocument();
    await user.click(screen.getByLabelText('Paper (simulated)'));

    await user.click(screen.getByRole('button', { name: 'Change where they are checked' }));
    const mode = screen.getByLabelText('Stop-loss and take-profit');
    expect(within(mode).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Automatic: Checked by the bot each candle',
      'On the exchange (fires even if the platform is down)',
      'Checked by the bot each candle',
    ]);
    await user.selectOptions(mode, 'exchange');
    await user.type(screen.getByLabelText('Name'), 'Guarded');
    await user.click(screen.getByRole('button', { name: 'Create bot' }));
    await vi.waitFor(() => expect(onCreated).toHaveBeenCalled());
    expect(server.callsTo('POST', '/api/v1/bots')[0]!.body).toMatchObject({ risk: { stop_loss_pct: 3, stop_mode: 'exchange' } });
  });

  it('shows a running bot its stop mode and patches a change with the rules it keeps', async () => {
    signIn();
    const bot: Bot = {
      id: 'b1',
      name: 'Scalper',
      strategy: 'sma_cross',
      params: { fast: 5, slow: 20 },
      symbol: 'BTCUSDT',
      interval: '5m',
      mode: 'live',
      api_key_id: 'k1',
      budget: '100',
      risk: { stop_loss_pct: 2, stop_mode: 'exchange', cooldown_bars: 1 },
      status: 'running',
    };
    const server = fakeServer({ 'PATCH /api/v1/bots/:id': (req) => ({ body: { ...bot, ...(req.body as object) } }) });
    const onSaved = vi.fn();
    const { user } = renderWithProviders(<EditBotForm bot={bot} strategies={[smaCross]} symbols={[btc]} apiKeys={keys} onSaved={onSaved} />);
    const mode = screen.getByLabelText('Stop-loss and take-profit');
    expect(mode).toHaveValue('exchange');
    await user.selectOptions(mode, 'Checked by the bot each candle');
    await user.click(screen.getByRole('button', { name: /Save/ }));
    await vi.waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(server.callsTo('PATCH', '/api/v1/bots/b1')[0]!.body).toEqual({ risk: { stop_loss_pct: 2, stop_mode: 'bot', cooldown_bars: 1 } });
  });
});
