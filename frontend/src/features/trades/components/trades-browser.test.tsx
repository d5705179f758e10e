import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { Trade } from '@/types/api';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import { TradesBrowser } from './trades-browser';

const trade = (id: string, side = 'BUY'): Trade => ({
  id,
  bot_id: 'bot-aaaaaaaa',
  symbol: 'BTCUSDT',
  side,
  price: '65000.5',
  quantity: '0.001',
  quote_quantity: '65.0005',
  fee: '0.065',
  fee_asset: 'USDT',
  realised_pnl: side === 'SELL' ? '1.25' : null,
  executed_at: '2026-03-01T10:00:00Z',
  client_order_id: `c-${id}`,
  mode: 'paper',
});

describe('TradesBrowser', () => {
  it('pages forward and back with the cursor', async () => {
    signIn();
    const server = fakeServer({
      'GET /api/v1/trades': (req) =>
        req.query.get('cursor') === 'next-1'
          ? { body: { items: [trade('t3', 'SELL')], next_cursor: null } }
          : { body: { items: [trade('t1'), trade('t2')], next_cursor: 'next-1' } },
    });
    const { user } = renderWithProviders(<TradesBrowser bots={[]} />);
    expect(await screen.findAllByText('BUY')).toHaveLength(2);
    expect(screen.getByRole('button', { name: 'Previous' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('SELL')).toBeInTheDocument();
    expect(screen.getByText('+1.25')).toBeInTheDocument();
    expect(screen.getByText('Page 2')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Previous' }));
    expect(await screen.findAllByText('BUY')).toHaveLength(2);
    expect(server.callsTo('GET', '/api/v1/trades').map((c) => c.query.get('cursor'))).toEqual([null, 'next-1']);
  });

  it('sends the filters and starts again from the first page', async () => {
    signIn();
    const server = fakeServer({ 'GET /api/v1/trades': { body: { items: [], next_cursor: null } } });
    const { user } = renderWithProviders(<TradesBrowser bots={[{ id: 'b1', name: 'Scalper' }]} symbols={['BTCUSDT', 'ETHUSDT']} />);
    expect(await screen.findByText('No trades match')).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Bot'), 'b1');
    await user.selectOptions(screen.getByLabelText('Symbol'), 'ETHUSDT');
    await user.selectOptions(screen.getByLabelText('Side'), 'SELL');
    await user.type(screen.getByLabelText('From'), '2026-03-01');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    await vi.waitFor(() => expect(server.callsTo('GET', '/api/v1/trades')).toHaveLength(2));
    const q = server.callsTo('GET', '/api/v1/trades')[1]!.query;
    expect(q.get('bot_id')).toBe('b1');
    expect(q.get('symbol')).toBe('ETHUSDT');
    expect(q.get('side')).toBe('SELL');
    expect(new Date(q.get('start')!).getTime()).toBe(new Date('2026-03-01T00:00:00').getTime());
    expect(q.get('end')).toBeNull();
    expect(q.get('cursor')).toBeNull();
  });

  it('exports the filtered trades as CSV with the bearer token', async () => {
    signIn();
    const server = fakeServer({
      'GET /api/v1/trades': { body: { items: [trade('t1')], next_cursor: null } },
      'GET /api/v1/trades/export.csv': { text: 'id,side\nt1,BUY\n', headers: { 'Content-Type': 'text/csv' } },
    });
    const createObjectURL = vi.fn(() => 'blob:trades');
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }));
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    const { user } = renderWithProviders(<TradesBrowser bots={[]} />);
    await screen.findByText('BUY');
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    await vi.waitFor(() => expect(click).toHaveBeenCalled());
    const call = server.callsTo('GET', '/api/v1/trades/export.csv')[0]!;
    expect(call.headers.get('Authorization')).toBe('Bearer test-access-token');
    const blob = (createObjectURL.mock.calls[0] as unknown as [Blob])[0];
    expect(await blob.text()).toBe('id,side\nt1,BUY\n');
  });

  it('keeps the filters in the URL and shows the totals of the page at the symbol precision', async () => {
    signIn();
    const server = fakeServer({ 'GET /api/v1/trades': { body: { items: [trade('t1'), trade('t2', 'SELL')], next_cursor: null } } });
    const precisions = { BTCUSDT: { price: 2, qty: 5, money: 2, quote: 'USDT', base: 'BTC' } };
    renderWithProviders(<TradesBrowser bots={[]} symbols={['BTCUSDT']} precisions={precisions} />, { path: '/trades', url: '/trades?symbol=BTCUSDT&side=SELL' });
    expect(await screen.findByText(/2 trades · bought 65\.00 USDT · sold 65\.00 USDT · fees 0\.13 USDT/)).toBeInTheDocument();
    expect(screen.getByLabelText('Symbol')).toHaveValue('BTCUSDT');
    expect(screen.getAllByText('65,000.50')).toHaveLength(2);
    expect(screen.getAllByText('0.00100')).toHaveLength(2);
    const q = server.callsTo('GET', '/api/v1/trades')[0]!.query;
    expect(q.get('symbol')).toBe('BTCUSDT');
    expect(q.get('side')).toBe('SELL');
  });
});
