import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { btc, smaCross } from '@/testing/fixtures';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import type { Strategy } from '@/types/api';
import { signalsPayload } from '../lib/signals-input';
import { BacktestForm } from './backtest-form';
import { BacktestSignals } from './backtest-signals';

const signalBot: Strategy = {
  id: 'signal',
  name: 'Signal bot (webhook)',
  params_schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      size_mode: { type: 'string', enum: ['percent', 'quote'], default: 'percent' },
      size_value: { type: 'number', exclusiveMinimum: 0, default: 100 },
    },
  },
};

const done = { id: 'bt1', status: 'done', strategy: 'signal', symbol: 'BTCUSDT', interval: '1h' };

describe('BacktestForm with the signal strategy', () => {
  it('offers a signals box and sends what was pasted as the request’s CSV signals', async () => {
    signIn();
    localStorage.clear();
    const server = fakeServer({ 'POST /api/v1/backtests': { status: 201, body: done } });
    const onCreated = vi.fn();
    const { user } = renderWithProviders(<BacktestForm strategies={[signalBot, smaCross]} symbols={[btc]} onCreated={onCreated} />);
    const box = screen.getByLabelText('Signals (CSV)');
    await user.click(box);
    await user.paste('2025-11-03T05:20:00Z,buy\n2025-11-04T11:00:00Z,close\n');
    await user.click(screen.getByRole('button', { name: 'Run backtest' }));
    await vi.waitFor(() => expect(onCreated).toHaveBeenCalled());
    const [sent] = server.callsTo('POST', '/api/v1/backtests');
    expect(sent?.body).toMatchObject({ strategy: 'signal', signals: '2025-11-03T05:20:00Z,buy\n2025-11-04T11:00:00Z,close' });
  }, 20_000);

  it('shows no signals box for a candle strategy', () => {
    signIn();
    localStorage.clear();
    renderWithProviders(<BacktestForm strategies={[smaCross, signalBot]} symbols={[btc]} onCreated={vi.fn()} />);
    expect(screen.queryByLabelText('Signals (CSV)')).not.toBeInTheDocument();
  });
});

describe('signalsPayload', () => {
  it('sends signals only for the signal strategy and only when something was pasted', () => {
    expect(signalsPayload('signal', '  t,buy\n')).toEqual({ signals: 't,buy' });
    expect(signalsPayload('signal', '   ')).toEqual({});
    expect(signalsPayload('sma_cross', 't,buy')).toEqual({});
  });
});

describe('BacktestSignals', () => {
  it('lists each signal with its outcome and where it filled', () => {
    renderWithProviders(
      <BacktestSignals
        signals={[
          { time: '2025-11-03T05:20:00.000Z', action: 'buy', amount: null, status: 'executed', reason: null, applied_at: '2025-11-03T06:00:00.000Z' },
          { time: '2025-11-20T08:00:00.000Z', action: 'close', amount: null, status: 'refused', reason: 'no_position', applied_at: null },
        ]}
      />,
    );
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent('Executed');
    expect(rows[1]).toHaveTextContent('Refused: no position');
  });
});
