import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { apiError } from '@/testing/fake-fetch';
import { btc, eth, grid, smaCross } from '@/testing/fixtures';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import { CreateBotForm } from './create-bot-form';

const keys = [{ id: 'k1', label: 'Main', api_key_last4: 'abcd', testnet: true }];

function setup(onCreated = vi.fn()) {
  signIn();
  return { onCreated, ...renderWithProviders(<CreateBotForm strategies={[smaCross, grid]} symbols={[btc, eth]} apiKeys={keys} onCreated={onCreated} />) };
}

describe('CreateBotForm', () => {
  it('generates the parameter inputs from the strategy schema and follows a strategy change', async () => {
    const { user } = setup();
    expect(screen.getByLabelText('Fast')).toHaveValue(10);
    expect(screen.getByLabelText('Slow')).toHaveValue(30);

    await user.selectOptions(screen.getByLabelText('Strategy'), 'grid');
    expect(screen.queryByLabelText('Fast')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Levels')).toHaveValue(10);
    expect(screen.getByLabelText('Spacing')).toHaveValue('arithmetic');
    expect(screen.getByLabelText('Rebalance')).not.toBeChecked();
  });

  it('validates parameters inline, before anything is sent', async () => {
    const server = fakeServer({});
    const { user } = setup();
    const fast = screen.getByLabelText('Fast');
    await user.clear(fast);
    await user.type(fast, '1');
    expect(fast).toHaveAccessibleDescription(expect.stringContaining('Must be at least 2'));
    expect(fast).toHaveAttribute('aria-invalid', 'true');

    await user.click(screen.getByRole('button', { name: 'Create bot' }));
    expect(screen.getByLabelText('Name')).toHaveAccessibleDescription('Give the bot a name');
    expect(server.callsTo('POST', '/api/v1/bots')).toHaveLength(0);
  });

  it('shows a cross-field rule of the schema on the fields as the user types, with no name yet', async () => {
    const server = fakeServer({});
    const withRule = { ...smaCross, params_schema: { ...smaCross.params_schema, 'x-rules': [{ field: 'fast', less_than: 'slow' }] } };
    const { user } = renderWithProviders(<CreateBotForm strategies={[withRule]} symbols={[btc, eth]} apiKeys={keys} onCreated={vi.fn()} />);
    const fast = screen.getByLabelText('Fast');
    await user.clear(fast);
    await user.type(fast, '40');
    expect(fast).toHaveAccessibleDescription(expect.stringContaining('Must be smaller than Slow'));
    expect(fast).toHaveAttribute('aria-invalid', 'true');
    await user.clear(fast);
    await user.type(fast, '3');
    expect(fast).toHaveAttribute('aria-invalid', 'false');
    expect(server.callsTo('POST', '/api/v1/bots')).toHaveLength(0);
  });

  it('posts the bot with typed params and risk rules', async () => {
    const server = fakeServer({ 'POST /api/v1/bots': (req) => ({ status: 201, body: { id: 'bot-1', status: 'stopped', ...(req.body as object) } }) });
    const { user, onCreated } = setup();
    await user.type(screen.getByLabelText('Name'), 'Scalper');
    await user.clear(screen.getByLabelText(/Budget/));
    await user.type(screen.getByLabelText(/Budget/), '250.5');
    await user.selectOptions(screen.getByLabelText('Symbol'), 'ETHUSDT');
    await user.selectOptions(screen.getByLabelText('Candle interval'), '5m');
    await user.type(screen.getByLabelText('Stop-loss %'), '2.5');
    await user.click(screen.getByRole('button', { name: 'Create bot' }));

    await vi.waitFor(() => expect(onCreated).toHaveBeenCalled());
    expect(server.callsTo('POST', '/api/v1/bots')[0]!.body).toEqual({
      name: 'Scalper',
      strategy: 'sma_cross',
      params: { fast: 10, slow: 30 },
      symbol: 'ETHUSDT',
      interval: '5m',
      mode: 'paper',
      budget: '250.5',
      risk: { stop_loss_pct: 2.5 },
    });
    expect(onCreated.mock.calls[0]![0]).toMatchObject({ id: 'bot-1' });
  });

  it('renders the server validation details next to the fields they name', async () => {
    fakeServer({
      'POST /api/v1/bots': apiError(422, 'validation_error', 'The bot configuration is invalid', [
        { field: 'params.fast', message: 'fast must be smaller than slow' },
        { field: 'budget', message: 'Budget is below the minimum notional of 5 USDT' },
        { field: 'symbol_rules', message: 'Something without a field on screen' },
      ]),
    });
    const { user } = setup();
    await user.type(screen.getByLabelText('Name'), 'Bad');
    await user.click(screen.getByRole('button', { name: 'Create bot' }));

    expect(await screen.findByText('fast must be smaller than slow')).toBeInTheDocument();
    expect(screen.getByLabelText('Fast')).toHaveAccessibleDescription(expect.stringContaining('fast must be smaller than slow'));
    expect(screen.getByLabelText(/Budget/)).toHaveAccessibleDescription(expect.stringContaining('minimum notional'));
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('The bot configuration is invalid');
    expect(within(alert).getByText(/Something without a field/)).toBeInTheDocument();
    expect(within(alert).queryByText(/fast must be smaller/)).not.toBeInTheDocument();

    // Editing the field clears its server error.
    await user.type(screen.getByLabelText('Fast'), '5');
    expect(screen.queryByText('fast must be smaller than slow')).not.toBeInTheDocument();
  });

  it('requires an API key for live mode and sends it', async () => {
    const server = fakeServer({ 'POST /api/v1/bots': (req) => ({ status: 201, body: { id: 'b2', ...(req.body as object) } }) });
    const { user, onCreated } = setup();
    await user.type(screen.getByLabelText('Name'), 'Live one');
    await user.click(screen.getByLabelText('Live (real orders)'));
    await user.click(screen.getByRole('button', { name: 'Create bot' }));
    expect(screen.getByLabelText('Exchange API key')).toHaveAccessibleDescription('Live bots need an exchange API key');
    expect(server.callsTo('POST', '/api/v1/bots')).toHaveLength(0);

    await user.selectOptions(screen.getByLabelText('Exchange API key'), 'k1');
    await user.click(screen.getByRole('button', { name: 'Create bot' }));
    await vi.waitFor(() => expect(onCreated).toHaveBeenCalled());
    expect(server.callsTo('POST', '/api/v1/bots')[0]!.body).toMatchObject({ mode: 'live', api_key_id: 'k1' });
  });
});
