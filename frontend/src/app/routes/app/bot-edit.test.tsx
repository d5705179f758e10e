import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError } from '@/testing/fake-fetch';
import { btc, eth, grid, scalperBot, smaCross } from '@/testing/fixtures';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import EditBotRoute from './bot-edit';

const bot = {
  ...scalperBot,
  api_key_id: null,
  risk: { position_size: { mode: 'all_in' }, cooldown_bars: 0 },
  status: 'stopped',
  state: null,
};

const catalog = {
  'GET /api/v1/strategies': { body: { items: [smaCross, grid] } },
  'GET /api/v1/market/symbols': { body: { items: [btc, eth] } },
  'GET /api/v1/api-keys': { body: { items: [] } },
};

const render = () => renderWithProviders(<EditBotRoute />, { path: '/bots/:botId/edit', url: '/bots/b1/edit' });

describe('bot edit page', () => {
  it("saves the changes and goes back to the bot's page with fresh bot queries", async () => {
    signIn();
    let saved = bot;
    const server = fakeServer({
      ...catalog,
      'GET /api/v1/bots/b1': () => ({ body: saved }),
      'PATCH /api/v1/bots/b1': (req) => {
        saved = { ...saved, ...(req.body as object) };
        return { body: saved };
      },
    });
    const { user, queryClient } = render();
    expect(await screen.findByRole('heading', { name: 'Edit Scalper' })).toBeInTheDocument();
    const name = await screen.findByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'Swing');
    await user.selectOptions(screen.getByLabelText('Candle interval'), '4h');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    expect(await screen.findByTestId('location')).toHaveTextContent(/^\/bots\/b1$/);
    expect(server.callsTo('PATCH', '/api/v1/bots/b1').map((c) => c.body)).toEqual([{ name: 'Swing', interval: '4h' }]);
    expect(queryClient.getQueryData(['bots', 'b1'])).toMatchObject({ name: 'Swing', interval: '4h' });
  });

  it('after a 409 bot_running, reloads the bot and locks what now needs a stop', async () => {
    signIn();
    let status = 'stopped';
    const server = fakeServer({
      ...catalog,
      'GET /api/v1/bots/b1': () => ({ body: { ...bot, status } }),
      'PATCH /api/v1/bots/b1': (req) =>
        'strategy' in (req.body as object)
          ? apiError(409, 'bot_running', 'Stop the bot before changing params, strategy.')
          : { body: { ...bot, status, ...(req.body as object) } },
    });
    const { user } = render();
    await user.selectOptions(await screen.findByLabelText('Strategy'), 'grid');
    await user.type(screen.getByLabelText('Stop-loss %'), '3');
    status = 'running'; // started from another tab meanwhile
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('The bot is running. Stop the bot before changing params, strategy.');
    expect(await screen.findByRole('region', { name: 'Needs a stop to change' })).toHaveTextContent('SMA crossover');
    expect(screen.queryByLabelText('Strategy')).not.toBeInTheDocument();

    // What a running bot may change is kept, and goes through now.
    expect(screen.getByLabelText('Stop-loss %')).toHaveValue(3);
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByTestId('location')).toHaveTextContent(/^\/bots\/b1$/);
    expect(server.callsTo('PATCH', '/api/v1/bots/b1').map((c) => c.body)).toEqual([
      {
        strategy: 'grid',
        params: { lower: 50000, upper: 70000, levels: 10, spacing: 'arithmetic', rebalance: false },
        risk: { position_size: { mode: 'all_in' }, cooldown_bars: 0, stop_loss_pct: 3 },
      },
      { risk: { position_size: { mode: 'all_in' }, cooldown_bars: 0, stop_loss_pct: 3 } },
    ]);
  });

  it("shows the server's message when the bot cannot be loaded", async () => {
    signIn();
    fakeServer({ ...catalog, 'GET /api/v1/bots/b1': apiError(404, 'not_found', 'Bot not found') });
    render();
    expect(await screen.findByRole('alert')).toHaveTextContent('Bot not found');
  });
});
