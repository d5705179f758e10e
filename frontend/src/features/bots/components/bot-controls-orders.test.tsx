import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { apiError } from '@/testing/fake-fetch';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import type { Bot } from '../types';
import { BotControls } from './bot-controls';
import { stopChoices } from './stop-bot-dialog';

const bot = (over: Partial<Bot>): Bot => ({
  id: 'b1',
  name: 'Grid',
  strategy: 'grid',
  params: {},
  symbol: 'BTCUSDT',
  interval: '1m',
  mode: 'paper',
  budget: '100',
  status: 'running',
  ...over,
});

const inPosition = { in_position: true, quantity: '0.01' };

describe('stopping a bot with resting orders', () => {
  it('offers to cancel and close, cancel and keep, or leave the orders, each with its consequence, and sends the choice', async () => {
    signIn();
    const server = fakeServer({ 'POST /api/v1/bots/b1/stop': () => ({ body: bot({ status: 'stopped' }) }) });
    const { user } = renderWithProviders(<BotControls bot={bot({ mode: 'live', state: inPosition })} onDeleted={vi.fn()} openOrders={3} />);
    const choices = [
      ['Stop, leave orders resting', { close_position: false, cancel_orders: false }],
      ['Cancel orders, keep position', { close_position: false, cancel_orders: true }],
      ['Cancel orders and close position', { close_position: true, cancel_orders: true }],
    ] as const;
    for (const [i, [label, body]] of choices.entries()) {
      await user.click(screen.getByRole('button', { name: 'Stop' }));
      const dialog = screen.getByRole('dialog', { name: 'Stop “Grid”?' });
      expect(dialog).toHaveTextContent('The bot holds 0.01 BTCUSDT position and has 3 open orders on the exchange.');
      const terms = within(dialog).getAllByRole('term').map((t) => [t.textContent, t.nextElementSibling?.textContent]);
      expect(terms).toEqual([
        ['Stop, leave orders resting', expect.stringContaining('stay on the exchange and can still fill')],
        ['Cancel orders, keep position', expect.stringContaining('the position stays in your account unguarded')],
        ['Cancel orders and close position', 'Cancels its resting orders, then sells the position now with a real market order.'],
      ]);
      await user.click(within(dialog).getByRole('button', { name: label }));
      await vi.waitFor(() => expect(server.callsTo('POST', '/api/v1/bots/b1/stop')).toHaveLength(i + 1));
      expect(server.calls[i]!.body).toEqual(body);
      await vi.waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    }
  });

  it('asks a flat bot only whether to cancel its orders, and one without orders only about its position', () => {
    expect(stopChoices(bot({ state: { in_position: false } }), 2).map((c) => [c.label, c.input])).toEqual([
      ['Stop, leave orders resting', { action: 'stop', closePosition: false, cancelOrders: false }],
      ['Stop and cancel orders', { action: 'stop', closePosition: false, cancelOrders: true }],
    ]);
    // Nothing rests (or the list could not be read): the old question, and the server's rule for orders.
    for (const open of [0, undefined]) {
      expect(stopChoices(bot({ state: inPosition }), open).map((c) => [c.label, c.input])).toEqual([
        ['Stop, keep position', { action: 'stop', closePosition: false }],
        ['Stop and close position', { action: 'stop', closePosition: true }],
      ]);
    }
  });
});

describe('deleting a bot whose orders still rest', () => {
  it("shows the server's refusal and cancels the orders, then deletes", async () => {
    signIn();
    const onDeleted = vi.fn();
    let deletes = 0;
    const server = fakeServer({
      'DELETE /api/v1/bots/b1': () =>
        deletes++ === 0 ? apiError(409, 'open_orders', 'The bot has 2 open orders on the exchange; cancel them before deleting it.') : { status: 204 },
      'POST /api/v1/bots/b1/stop': () => ({ body: bot({ status: 'stopped' }) }),
    });
    const { user } = renderWithProviders(<BotControls bot={bot({ status: 'stopped' })} onDeleted={onDeleted} openOrders={2} />);
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    await user.click(screen.getByRole('button', { name: 'Delete bot' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The bot has 2 open orders on the exchange; cancel them before deleting it.');
    expect(onDeleted).not.toHaveBeenCalled();

    await user.click(within(alert).getByRole('button', { name: 'Cancel its orders and delete' }));
    await vi.waitFor(() => expect(onDeleted).toHaveBeenCalled());
    expect(server.calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ['DELETE', '/api/v1/bots/b1', undefined],
      ['POST', '/api/v1/bots/b1/stop', { close_position: false, cancel_orders: true }],
      ['DELETE', '/api/v1/bots/b1', undefined],
    ]);
  });

  it('shows any other refusal as before, with no offer to cancel', async () => {
    signIn();
    fakeServer({ 'DELETE /api/v1/bots/b1': apiError(409, 'bot_running', 'Stop the bot first.') });
    const { user } = renderWithProviders(<BotControls bot={bot({ status: 'stopped' })} onDeleted={vi.fn()} />);
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    await user.click(screen.getByRole('button', { name: 'Delete bot' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Stop the bot first.');
    expect(screen.queryByRole('button', { name: 'Cancel its orders and delete' })).not.toBeInTheDocument();
  });
});
