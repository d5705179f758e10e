import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { apiError } from '@/testing/fake-fetch';
import { btc, eth, grid, smaCross } from '@/testing/fixtures';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import type { Bot, BotStatus } from '../types';
import { EditBotForm } from './edit-bot-form';

const keys = [{ id: 'k1', label: 'Main', api_key_last4: 'abcd', testnet: true }];

const savedBot = (status: BotStatus, over: Partial<Bot> = {}): Bot => ({
  id: 'b1',
  name: 'Scalper',
  strategy: 'sma_cross',
  params: { fast: 5, slow: 20 },
  symbol: 'BTCUSDT',
  interval: '5m',
  mode: 'paper',
  api_key_id: null,
  budget: '100',
  // As the API returns it: the rules the form edits plus those it keeps.
  risk: { stop_loss_pct: 2, position_size: { mode: 'all_in' }, cooldown_bars: 0 },
  status,
  ...over,
});

function setup(bot: Bot, onSaved = vi.fn()) {
  signIn();
  const view = renderWithProviders(<EditBotForm bot={bot} strategies={[smaCross, grid]} symbols={[btc, eth]} apiKeys={keys} onSaved={onSaved} />);
  return { onSaved, form: screen.getByRole('form', { name: 'Edit bot Scalper' }), ...view };
}

const controlNames = (form: HTMLElement) => Array.from(form.querySelectorAll('input, select, textarea')).map((el) => el.getAttribute('name'));

const patchTo = (status: BotStatus) => (req: { body: unknown }) => ({ body: { ...savedBot(status), ...(req.body as object) } });

describe('EditBotForm', () => {
  it.each(['running', 'paused'] as const)('lets a %s bot change only its name, budget and risk rules, and says why', (status) => {
    const { form } = setup(savedBot(status));
    expect(controlNames(form)).toEqual(['name', 'budget', 'risk.stop_loss_pct', 'risk.take_profit_pct', 'risk.trailing_stop_pct']);
    expect(screen.getByLabelText('Name')).toHaveValue('Scalper');
    expect(screen.getByLabelText('Budget (USDT)')).toHaveValue('100');
    expect(screen.getByLabelText('Stop-loss %')).toHaveValue(2);
    expect(screen.getByLabelText('Take-profit %')).toHaveValue(null);
    expect(screen.queryByRole('combobox', { name: 'Strategy' })).not.toBeInTheDocument();
    expect(screen.queryByRole('radiogroup', { name: 'Mode' })).not.toBeInTheDocument();

    // The locked part is shown as text, with the reason.
    expect(screen.getByRole('status')).toHaveTextContent(`This bot is ${status}`);
    const locked = screen.getByRole('region', { name: 'Needs a stop to change' });
    expect(locked).toHaveTextContent(/can only change while it is\s+stopped/);
    const terms = within(locked).getAllByRole('term').map((t) => [t.textContent, t.nextElementSibling?.textContent]);
    expect(terms).toEqual([
      ['Strategy', 'SMA crossover'],
      ['Fast', '5'],
      ['Slow', '20'],
      ['Symbol', 'BTC/USDT'],
      ['Candle interval', '5m'],
      ['Mode', 'Paper (simulated)'],
    ]);
  });

  it('sends only the changed fields, keeping the risk rules the form does not show', async () => {
    const server = fakeServer({ 'PATCH /api/v1/bots/:id': patchTo('running') });
    const { user, onSaved, queryClient } = setup(savedBot('running'));
    queryClient.setQueryData(['bots'], [savedBot('running')]);
    await user.clear(screen.getByLabelText('Budget (USDT)'));
    await user.type(screen.getByLabelText('Budget (USDT)'), '150');
    await user.type(screen.getByLabelText('Take-profit %'), '5');
    // Typed and reverted: not a change.
    await user.type(screen.getByLabelText('Name'), 'X');
    await user.type(screen.getByLabelText('Name'), '{Backspace}');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    await vi.waitFor(() => expect(onSaved).toHaveBeenCalled());
    const patches = server.callsTo('PATCH', '/api/v1/bots/b1');
    expect(patches).toHaveLength(1);
    expect(patches[0]!.body).toEqual({
      budget: '150',
      risk: { stop_loss_pct: 2, take_profit_pct: 5, position_size: { mode: 'all_in' }, cooldown_bars: 0 },
    });
    expect(onSaved.mock.calls[0]![0]).toMatchObject({ id: 'b1', budget: '150' });
    expect(queryClient.getQueryState(['bots'])?.isInvalidated).toBe(true);
    expect(queryClient.getQueryData(['bots', 'b1'])).toMatchObject({ budget: '150' });
  });

  it('sends nothing when nothing changed, and says so', async () => {
    const server = fakeServer({});
    const { user, onSaved } = setup(savedBot('paused'));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Nothing changed: there is nothing to save.')).toBeInTheDocument();
    expect(server.calls).toHaveLength(0);
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('validates inline before sending', async () => {
    const server = fakeServer({});
    const { user } = setup(savedBot('running'));
    await user.clear(screen.getByLabelText('Name'));
    await user.type(screen.getByLabelText('Stop-loss %'), '00');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(screen.getByLabelText('Name')).toHaveAccessibleDescription('Give the bot a name');
    expect(screen.getByLabelText('Stop-loss %')).toHaveAccessibleDescription(expect.stringContaining('Must be at most 100'));
    expect(server.calls).toHaveLength(0);
  });

  it("shows the server's refusal, with field details next to the fields", async () => {
    fakeServer({
      'PATCH /api/v1/bots/:id': apiError(422, 'budget_below_min_notional', "The budget is below BTCUSDT's minimum order value of 5 USDT.", [
        { field: 'budget', message: 'must be at least 5' },
      ]),
    });
    const { user, onSaved } = setup(savedBot('running'));
    await user.clear(screen.getByLabelText('Budget (USDT)'));
    await user.type(screen.getByLabelText('Budget (USDT)'), '1');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    expect(await screen.findByRole('alert')).toHaveTextContent("The budget is below BTCUSDT's minimum order value of 5 USDT.");
    expect(screen.getByLabelText('Budget (USDT)')).toHaveAccessibleDescription(expect.stringContaining('must be at least 5'));
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('explains a 409 bot_running: the bot was started since the form was opened', async () => {
    fakeServer({
      'PATCH /api/v1/bots/:id': apiError(409, 'bot_running', 'Stop the bot before changing interval.', [
        { field: 'interval', message: 'can only change while the bot is stopped' },
      ]),
    });
    const { user, onSaved } = setup(savedBot('stopped'));
    await user.selectOptions(screen.getByLabelText('Candle interval'), '1h');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The bot is running. Stop the bot before changing interval.');
    expect(alert).toHaveTextContent('Stop it on its page first to change the rest.');
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('lets a stopped bot change everything, starting from its saved configuration', async () => {
    const { form } = setup(savedBot('stopped'));
    expect(controlNames(form)).toEqual([
      'name',
      'budget',
      'strategy',
      'params.fast',
      'params.slow',
      'symbol',
      'interval',
      'risk.stop_loss_pct',
      'risk.take_profit_pct',
      'risk.trailing_stop_pct',
      'mode',
      'mode',
    ]);
    expect(screen.getByLabelText('Strategy')).toHaveValue('sma_cross');
    expect(screen.getByLabelText('Fast')).toHaveValue(5);
    expect(screen.getByLabelText('Slow')).toHaveValue(20);
    expect(screen.getByLabelText('Symbol')).toHaveValue('BTCUSDT');
    expect(screen.getByLabelText('Candle interval')).toHaveValue('5m');
    expect(screen.getByLabelText('Paper (simulated)')).toBeChecked();
    expect(screen.queryByRole('region', { name: 'Needs a stop to change' })).not.toBeInTheDocument();
  });

  it("a stopped bot can switch strategy: the new strategy's params render and are sent with it", async () => {
    const server = fakeServer({ 'PATCH /api/v1/bots/:id': patchTo('stopped') });
    const { user, onSaved } = setup(savedBot('stopped'));
    await user.selectOptions(screen.getByLabelText('Strategy'), 'grid');
    expect(screen.queryByLabelText('Fast')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Levels')).toHaveValue(10);
    expect(screen.getByLabelText('Spacing')).toHaveValue('arithmetic');
    await user.clear(screen.getByLabelText('Levels'));
    await user.type(screen.getByLabelText('Levels'), '4');
    await user.selectOptions(screen.getByLabelText('Symbol'), 'ETHUSDT');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    await vi.waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(server.callsTo('PATCH', '/api/v1/bots/b1')[0]!.body).toEqual({
      strategy: 'grid',
      params: { lower: 50000, upper: 70000, levels: 4, spacing: 'arithmetic', rebalance: false },
      symbol: 'ETHUSDT',
    });
  });

  it('a stopped bot sends its whole params when one changes, and a key when it goes live', async () => {
    const server = fakeServer({ 'PATCH /api/v1/bots/:id': patchTo('stopped') });
    const { user, onSaved } = setup(savedBot('stopped'));
    await user.clear(screen.getByLabelText('Fast'));
    await user.type(screen.getByLabelText('Fast'), '7');
    await user.click(screen.getByLabelText('Live (real orders)'));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(screen.getByLabelText('Exchange API key')).toHaveAccessibleDescription('Live bots need an exchange API key');
    expect(server.calls).toHaveLength(0);

    await user.selectOptions(screen.getByLabelText('Exchange API key'), 'k1');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await vi.waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(server.calls[0]!.body).toEqual({ params: { fast: 7, slow: 20 }, mode: 'live', api_key_id: 'k1' });
  });
});
