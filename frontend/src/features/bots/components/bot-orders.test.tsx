import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { formatDateTime } from '@/lib/format';
import { apiError } from '@/testing/fake-fetch';
import { order } from '@/testing/order-fixtures';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import { BotOrders } from './bot-orders';

const precision = { price: 2, qty: 5, money: 2, quote: 'USDT', base: 'BTC' };

const open = [
  order({ key: 'grid_buy_0', price: '60000', quantity: '0.0015' }),
  order({ key: 'grid_sell_1', purpose: 'grid_sell', side: 'SELL', price: '70000', quantity: '0.0015', filled_quantity: '0.0005', average_price: '70000', status: 'PARTIALLY_FILLED' }),
  order({ key: 'protect', purpose: 'protect', type: 'STOP_LOSS_LIMIT', side: 'SELL', price: '55900', stop_price: '56000.123', quantity: '0.001', order_list_id: 'L1' }),
];
const closed = order({ key: 'take_profit', purpose: 'take_profit', type: 'LIMIT_MAKER', side: 'SELL', price: '71000', quantity: '0.001', filled_quantity: '0.001', status: 'FILLED' });

describe('BotOrders', () => {
  it('lists the open orders in plain words at the symbol precision, with a card label on every cell', async () => {
    signIn();
    const server = fakeServer({ 'GET /api/v1/bots/b1/orders': { body: { items: open, next_cursor: null } } });
    renderWithProviders(<BotOrders botId="b1" botName="Grid" running precision={precision} />);
    const table = await screen.findByRole('table', { name: 'Open orders of Grid' });
    expect(server.calls[0]!.query.get('status')).toBe('open');
    const rows = within(table).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell').map((c) => c.textContent));
    expect(rows).toEqual([
      ['Grid buy', 'Limit', 'BUY', '60,000.00', '—', '0.00000 / 0.00150', 'Open', formatDateTime('2026-03-01T10:00:00Z')],
      ['Grid sell', 'Limit', 'SELL', '70,000.00', '—', '0.00050 / 0.00150 @ 70,000.00', 'Partly filled', formatDateTime('2026-03-01T10:00:00Z')],
      ['Protective OCO', 'Stop-limit', 'SELL', '55,900.00', '56,000.12', '0.00000 / 0.00100', 'Open', formatDateTime('2026-03-01T10:00:00Z')],
    ]);
    // On a phone each row is a card: every cell names its column.
    for (const cell of within(table).getAllByRole('cell')) expect(cell).toHaveAttribute('data-label');
    expect(table).toHaveClass('table-cards');
  });

  it('shows every order on the toggle, and loads more with the cursor', async () => {
    signIn();
    const server = fakeServer({
      'GET /api/v1/bots/b1/orders': (req) =>
        req.query.get('status') === 'open'
          ? { body: { items: open, next_cursor: null } }
          : req.query.get('cursor') === 'p2'
            ? { body: { items: [closed], next_cursor: null } }
            : { body: { items: open, next_cursor: 'p2' } },
    });
    const { user } = renderWithProviders(<BotOrders botId="b1" botName="Grid" running={false} precision={precision} />);
    await screen.findByRole('table', { name: 'Open orders of Grid' });
    await user.click(screen.getByRole('radio', { name: 'All' }));
    const table = await screen.findByRole('table', { name: 'Orders of Grid' });
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await vi.waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(5));
    expect(table).toHaveTextContent('Take-profit');
    expect(table).toHaveTextContent('Limit maker');
    expect(table).toHaveTextContent('Filled');
    const all = server.callsTo('GET', '/api/v1/bots/b1/orders').filter((c) => c.query.get('status') === 'all');
    expect(all.map((c) => c.query.get('cursor'))).toEqual([null, 'p2']);
    expect(all[0]!.query.get('limit')).toBe('100');
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
  });

  it('says when nothing rests, and shows the server\'s message when the list fails', async () => {
    signIn();
    fakeServer({ 'GET /api/v1/bots/b1/orders': { body: { items: [], next_cursor: null } } });
    const { unmount } = renderWithProviders(<BotOrders botId="b1" botName="Grid" running={false} />);
    expect(await screen.findByText('No open orders')).toBeInTheDocument();
    unmount();

    fakeServer({ 'GET /api/v1/bots/b2/orders': apiError(503, 'unavailable', 'Orders are briefly unavailable') });
    renderWithProviders(<BotOrders botId="b2" botName="Grid" running={false} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Orders are briefly unavailable');
  });
});
