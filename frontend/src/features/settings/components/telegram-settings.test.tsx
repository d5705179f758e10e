import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import { TelegramSettingsPanel } from './telegram-settings';

const ALL = ['in_app', 'webhook', 'telegram'];
const channels = (over: Record<string, string[]> = {}) => ({
  trade_opened: ALL,
  trade_closed: ALL,
  stop_loss: ALL,
  take_profit: ALL,
  bot_error: ALL,
  signal_refused: ALL,
  api_key_rejected: ALL,
  api_key_unsafe: ALL,
  daily_summary: ALL,
  ...over,
});

describe('Telegram settings', () => {
  it('makes a one-time link and shows where it expires', async () => {
    signIn();
    fakeServer({
      'GET /api/v1/telegram': { body: { linked: false, bot_name: 'tb_bot', channels: channels() } },
      'POST /api/v1/telegram/link': { status: 201, body: { url: 'https://t.me/tb_bot?start=abc', expires_at: '2026-01-01T00:10:00Z' } },
    });
    const { user } = renderWithProviders(<TelegramSettingsPanel />);
    await user.click(await screen.findByRole('button', { name: 'Link Telegram' }));
    expect(await screen.findByRole('link', { name: 'https://t.me/tb_bot?start=abc' })).toHaveAttribute('href', 'https://t.me/tb_bot?start=abc');
    // Telegram cannot be chosen before a chat is linked.
    expect(screen.getByLabelText('Bot error by Telegram')).toBeDisabled();
  });

  it('saves a channel choice and unlinks', async () => {
    signIn();
    const server = fakeServer({
      'GET /api/v1/telegram': { body: { linked: true, bot_name: 'tb_bot', channels: channels() } },
      'PUT /api/v1/telegram/channels': (req) => ({
        body: { linked: true, bot_name: 'tb_bot', channels: channels((req.body as { channels: Record<string, string[]> }).channels) },
      }),
      'DELETE /api/v1/telegram/link': { status: 204 },
    });
    const { user } = renderWithProviders(<TelegramSettingsPanel />);
    await user.click(await screen.findByLabelText('Trade opened by Telegram'));
    const sent = server.callsTo('PUT', '/api/v1/telegram/channels')[0]!.body as { channels: Record<string, string[]> };
    expect(sent.channels.trade_opened).toEqual(['in_app', 'webhook']);
    expect(await screen.findByLabelText('Trade opened by Telegram')).not.toBeChecked();
    await user.click(screen.getByRole('button', { name: 'Unlink Telegram' }));
    expect(server.callsTo('DELETE', '/api/v1/telegram/link')).toHaveLength(1);
  });

  it('sets the daily summary time, then turns it off', async () => {
    signIn();
    const server = fakeServer({
      'GET /api/v1/telegram': { body: { linked: true, bot_name: 'tb_bot', channels: channels(), daily_summary_time: null } },
      'PUT /api/v1/telegram/daily-summary': (req) => ({
        body: { linked: true, bot_name: 'tb_bot', channels: channels(), daily_summary_time: (req.body as { daily_summary_time: string | null }).daily_summary_time },
      }),
    });
    const { user } = renderWithProviders(<TelegramSettingsPanel />);
    const picker = await screen.findByLabelText('Daily summary at (UTC)');
    expect(screen.getByText('Off: pick a time to get one every day.')).toBeInTheDocument();
    expect(screen.getByLabelText('Daily summary by Telegram')).toBeChecked();
    await user.clear(picker);
    await user.type(picker, '07:30');
    await user.click(screen.getByRole('button', { name: 'Save time' }));
    expect(await screen.findByText('Sent every day at 07:30 UTC.')).toBeInTheDocument();
    expect(server.callsTo('PUT', '/api/v1/telegram/daily-summary')[0]!.body).toEqual({ daily_summary_time: '07:30' });
    await user.click(screen.getByRole('button', { name: 'No daily summary' }));
    expect(await screen.findByText('Off: pick a time to get one every day.')).toBeInTheDocument();
    expect(server.callsTo('PUT', '/api/v1/telegram/daily-summary')[1]!.body).toEqual({ daily_summary_time: null });
  }, 20_000);
});
