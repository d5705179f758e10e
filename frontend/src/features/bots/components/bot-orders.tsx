import { useState } from 'react';
import { EmptyState, QueryState } from '@/components/ui/states';
import { DEFAULT_PRECISION, formatDateTime, formatPrice, formatQty, toNumber, type Precision } from '@/lib/format';
import { ordersOf, useBotOrders, type BotOrder, type OrdersFilter } from '../api/get-bot-orders';
import { orderLegend, orderStatusLabel, orderTypeLabel, purposeLabel } from '../lib/bot-orders';

const FILTERS: Array<{ value: OrdersFilter; label: string }> = [
  { value: 'open', label: 'Open' },
  { value: 'all', label: 'All' },
];

/** The bot's orders that rest on the exchange (open ones first by default, or all of them), a page at a time. */
export function BotOrders({ botId, botName, running, precision = DEFAULT_PRECISION }: { botId: string; botName: string; running: boolean; precision?: Precision }) {
  const [filter, setFilter] = useState<OrdersFilter>('open');
  const q = useBotOrders(botId, filter, running);
  return (
    <section className="card" aria-labelledby="bot-orders-title">
      <div className="card-head">
        <h2 id="bot-orders-title">Orders</h2>
      </div>
      <div className="segmented" role="radiogroup" aria-label="Orders shown">
        {FILTERS.map((f) => (
          <label key={f.value} className={filter === f.value ? 'active' : ''}>
            <input type="radio" name={`orders-filter-${botId}`} value={f.value} checked={filter === f.value} onChange={() => setFilter(f.value)} />
            {f.label}
          </label>
        ))}
      </div>
      <QueryState
        query={q}
        loadingLabel="Loading orders…"
        isEmpty={(d) => d.pages.every((p) => p.items.length === 0)}
        empty={
          <EmptyState title={filter === 'open' ? 'No open orders' : 'No orders yet'}>
            Limit, stop and take-profit orders the bot leaves on the exchange show here; market orders fill at once and show under Trades.
          </EmptyState>
        }
      >
        {(d) => (
          <>
            <OrdersTable orders={ordersOf(d.pages)} precision={precision} caption={`${filter === 'open' ? 'Open orders' : 'Orders'} of ${botName}`} />
            {q.hasNextPage ? (
              <button type="button" className="btn" disabled={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>
                {q.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </button>
            ) : null}
          </>
        )}
      </QueryState>
    </section>
  );
}

export function OrdersTable({ orders, precision, caption }: { orders: BotOrder[]; precision: Precision; caption: string }) {
  return (
    <div className="table-wrap">
      <table className="table table-cards">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Purpose</th>
            <th scope="col">Type</th>
            <th scope="col">Side</th>
            <th scope="col" className="num">Price</th>
            <th scope="col" className="num">Stop price</th>
            <th scope="col" className="num">Filled / quantity</th>
            <th scope="col">Status</th>
            <th scope="col">Placed</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => (
            <OrderRow key={o.client_order_id} order={o} precision={precision} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function OrderRow({ order: o, precision: p }: { order: BotOrder; precision: Precision }) {
  const side = o.side.toLowerCase();
  const filled = toNumber(o.filled_quantity) ?? 0;
  const average = filled > 0 && o.average_price != null ? ` @ ${formatPrice(o.average_price, p)}` : '';
  return (
    <tr>
      <td data-label="Purpose">{purposeLabel(o.purpose)}</td>
      <td data-label="Type">{orderTypeLabel(o.type)}</td>
      <td data-label="Side" className={side === 'buy' ? 'pos' : 'neg'}>
        {side.toUpperCase()}
      </td>
      <td data-label="Price" className="num">
        {formatPrice(o.price, p)}
      </td>
      <td data-label="Stop price" className="num">
        {formatPrice(o.stop_price, p)}
      </td>
      <td data-label="Filled / quantity" className="num">
        {formatQty(o.filled_quantity, p)} / {formatQty(o.quantity, p)}
        {average}
      </td>
      <td data-label="Status">{orderStatusLabel(o.status)}</td>
      <td data-label="Placed">{formatDateTime(o.created_at)}</td>
    </tr>
  );
}

/** What the order lines on the chart are: one entry per kind, in its colour, with its count. */
export function OrderLegend({ orders }: { orders: BotOrder[] }) {
  const items = orderLegend(orders);
  if (items.length === 0) return null;
  return (
    <ul className="legend" aria-label="Open orders on the chart">
      {items.map((i) => (
        <li key={i.label}>
          <span className="legend-swatch" style={{ background: i.color }} />
          {i.label} × {i.count}
        </li>
      ))}
    </ul>
  );
}
