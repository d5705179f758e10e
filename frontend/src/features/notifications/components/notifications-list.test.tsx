import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import type { Notification } from '../types';
import { messageBody, NotificationItems } from './notifications-list';

const fill: Notification = {
  id: 'n1',
  kind: 'trade_opened',
  message: 'Dip buyer: Bought 0.01774 BTC on BTCUSDT at 5,644.54 for 100.13 USDT (fee 0.10 USDT) (/bots/b1)',
  created_at: '2026-03-01T00:00:00Z',
  read: false,
  bot_id: 'b1',
  data: { trade_id: 't1', bot_name: 'Dip buyer', bot_path: '/bots/b1' },
};

describe('notification items', () => {
  it('shows the bot once, as a link to its page, and the message without the name and path', () => {
    render(
      <MemoryRouter>
        <NotificationItems items={[fill]} botNames={{ b1: 'Dip buyer' }} />
      </MemoryRouter>,
    );
    expect(screen.getByRole('link', { name: 'Dip buyer' })).toHaveAttribute('href', '/bots/b1');
    const item = screen.getByRole('listitem');
    expect(item).toHaveTextContent('Dip buyer: Bought 0.01774 BTC on BTCUSDT at 5,644.54 for 100.13 USDT (fee 0.10 USDT)');
    expect(item.textContent?.match(/Dip buyer/g)).toHaveLength(1);
    expect(item).not.toHaveTextContent('/bots/b1');
  });

  it('names a deleted bot without a link, and leaves an older note without a name as it was', () => {
    render(
      <MemoryRouter>
        <NotificationItems items={[fill]} botNames={{}} />
      </MemoryRouter>,
    );
    expect(screen.queryByRole('link')).toBeNull();
    expect(screen.getByRole('listitem')).toHaveTextContent('Dip buyer: Bought 0.01774 BTC on BTCUSDT');
    const old = { ...fill, message: 'Bought 0.01772226 BTCUSDT at 5644.53847674', data: {} };
    expect(messageBody(old)).toBe('Bought 0.01772226 BTCUSDT at 5644.53847674');
  });
});
