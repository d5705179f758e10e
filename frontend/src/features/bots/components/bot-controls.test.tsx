import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import type { Bot } from '../types';
import { BotControls } from './bot-controls';

const bot = (over: Partial<Bot>): Bot => ({
  id: 'b1',
  name: 'Scalper',
  strategy: 'sma_cross',
  params: {},
  symbol: 'BTCUSDT',
  interval: '1m',
  mode: 'paper',
  budget: '100',
  status: 'stopped',
  ...over,
});

const echoStatus = (status: string) => () => ({ body: bot({ status: status as Bot['status'] }) });

describe('BotControls', () => {
  it('starts a paper bot at once', async () => {
    signIn();
    const server = fakeServer({ 'POST /api/v1/bots/b1/start': echoStatus('running') });
    const { user } = renderWithProviders(<BotControls bot={bot({})} onDeleted={vi.fn()} />);
    await user.click(screen.getByRole('button', { name: 'Start' }));
    await vi.waitFor(() => expect(server.callsTo('POST', '/api/v1/bots/b1/start')).toHaveLength(1));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('asks for confirmation before acting on a live bot', async () => {
    signIn();
    const server = fakeServer({ 'POST /api/v1/bots/b1/pause': echoStatus('paused') });
    const { user } = renderWithProviders(<BotControls bot={bot({ mode: 'live', status: 'running' })} onDeleted={vi.fn()} />);
    await user.click(screen.getByRole('button', { name: 'Pause' }));
    const dialog = screen.getByRole('dialog', { name: 'Pause live bot “Scalper”?' });
    expect(dialog).toHaveTextContent('real funds');
    expect(server.calls).toHaveLength(0);
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(server.calls).toHaveLength(0);

    await user.click(screen.getByRole('button', { name: 'Pause' }));
    await user.click(screen.getAllByRole('button', { name: 'Pause' }).at(-1)!);
    await vi.waitFor(() => expect(server.callsTo('POST', '/api/v1/bots/b1/pause')).toHaveLength(1));
  });

  it('stops keeping or closing the position', async () => {
    signIn();
    const server = fakeServer({ 'POST /api/v1/bots/b1/stop': echoStatus('stopped') });
    const running = bot({ status: 'running', state: { in_position: true, quantity: '0.01' } });
    const { user } = renderWithProviders(<BotControls bot={running} onDeleted={vi.fn()} />);
    await user.click(screen.getByRole('button', { name: 'Stop' }));
    expect(screen.getByRole('dialog')).toHaveTextContent('holds 0.01 BTCUSDT');
    await user.click(screen.getByRole('button', { name: 'Stop and close position' }));
    await vi.waitFor(() => expect(server.callsTo('POST', '/api/v1/bots/b1/stop')).toHaveLength(1));
    expect(server.calls[0]!.body).toEqual({ close_position: true });

    await user.click(screen.getByRole('button', { name: 'Stop' }));
    await user.click(screen.getByRole('button', { name: 'Stop, keep position' }));
    await vi.waitFor(() => expect(server.callsTo('POST', '/api/v1/bots/b1/stop')).toHaveLength(2));
    expect(server.calls[1]!.body).toEqual({ close_position: false });
  });

  it('offers delete only for a stopped bot', async () => {
    signIn();
    const onDeleted = vi.fn();
    const server = fakeServer({ 'DELETE /api/v1/bots/b1': { status: 204 } });
    const { user, unmount } = renderWithProviders(<BotControls bot={bot({})} onDeleted={onDeleted} />);
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    await user.click(screen.getByRole('button', { name: 'Delete bot' }));
    await vi.waitFor(() => expect(onDeleted).toHaveBeenCalled());
    expect(server.callsTo('DELETE', '/api/v1/bots/b1')).toHaveLength(1);
    unmount();

    renderWithProviders(<BotControls bot={bot({ status: 'running' })} onDeleted={onDeleted} />);
    expect(screen.queryByRole('button', { name: 'Delete' })).not.toBeInTheDocument();
  });
});
