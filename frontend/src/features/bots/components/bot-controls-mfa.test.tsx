import { act, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { userQueryKey } from '@/lib/auth';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import type { Bot } from '../types';
import { BotControls } from './bot-controls';

const live: Bot = { id: 'b1', name: 'Scalper', strategy: 'sma_cross', params: {}, symbol: 'BTCUSDT', interval: '1m', mode: 'live', budget: '100', status: 'stopped' };

describe('starting a live bot with two-factor sign-in on', () => {
  it('asks for a code in the confirmation and sends it', async () => {
    signIn();
    const server = fakeServer({ 'POST /api/v1/bots/b1/start': { body: { ...live, status: 'running' } } });
    const { user, queryClient } = renderWithProviders(<BotControls bot={live} onDeleted={vi.fn()} />);
    act(() => queryClient.setQueryData(userQueryKey, { id: 'u1', email: 'a@example.com', created_at: '2026-01-01T00:00:00Z', mfa_enabled: true }));
    await user.click(screen.getByRole('button', { name: 'Start' }));
    await user.type(screen.getByLabelText('Authentication code'), '123456');
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Start' }));
    await vi.waitFor(() => expect(server.callsTo('POST', '/api/v1/bots/b1/start')).toHaveLength(1));
    expect(server.calls[0]!.body).toEqual({ mfa_code: '123456' });
  });

  it('asks for no code when two-factor sign-in is off', async () => {
    signIn();
    const server = fakeServer({ 'POST /api/v1/bots/b1/start': { body: { ...live, status: 'running' } } });
    const { user } = renderWithProviders(<BotControls bot={live} onDeleted={vi.fn()} />);
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect(screen.queryByLabelText('Authentication code')).not.toBeInTheDocument();
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Start' }));
    await vi.waitFor(() => expect(server.callsTo('POST', '/api/v1/bots/b1/start')).toHaveLength(1));
    expect(server.calls[0]!.body).toEqual({});
  });
});
