import type { ChartLevel } from '@/components/charts/candle-chart';
import { toNumber, type Precision } from '@/lib/format';
import type { BotOrder } from '../api/get-bot-orders';

/** Plain words for what an order is for, what it is and where it stands; an unknown code reads humanised. */
const PURPOSE: Record<string, string> = {
  grid_buy: 'Grid buy',
  grid_sell: 'Grid sell',
  safety_order: 'Safety order',
  take_profit: 'Take-profit',
  stop_loss: 'Stop-loss',
  protect: 'Protective OCO',
};

const TYPE: Record<string, string> = {
  MARKET: 'Market',
  LIMIT: 'Limit',
  LIMIT_MAKER: 'Limit maker',
  STOP_LOSS_LIMIT: 'Stop-limit',
  TAKE_PROFIT_LIMIT: 'Take-profit limit',
};

const STATUS: Record<string, string> = {
  NEW: 'Open',
  PARTIALLY_FILLED: 'Partly filled',
  PENDING_CANCEL: 'Cancelling',
  FILLED: 'Filled',
  CANCELED: 'Cancelled',
  REJECTED: 'Rejected',
  EXPIRED: 'Expired',
  EXPIRED_IN_MATCH: 'Expired (would trade with itself)',
};

const OPEN = new Set(['NEW', 'PARTIALLY_FILLED', 'PENDING_CANCEL']);

export const humanize = (code: string) => {
  const s = code.toLowerCase().replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
};

export const purposeLabel = (purpose: string) => PURPOSE[purpose] ?? humanize(purpose);
export const orderTypeLabel = (type: string) => TYPE[type.toUpperCase()] ?? humanize(type);
export const orderStatusLabel = (status: string) => STATUS[status.toUpperCase()] ?? humanize(status);
export const isOpenOrder = (o: Pick<BotOrder, 'status'>) => OPEN.has(o.status.toUpperCase());

/** Which line an order draws: the stop leg of an OCO is the stop-loss, its limit leg the take-profit. */
export type OrderRole = 'grid_buy' | 'grid_sell' | 'safety' | 'take_profit' | 'stop_loss' | 'other';

export function orderRole(o: Pick<BotOrder, 'purpose' | 'type' | 'side'>): OrderRole {
  const type = o.type.toUpperCase();
  switch (o.purpose) {
    case 'grid_buy':
    case 'grid_sell':
    case 'take_profit':
    case 'stop_loss':
      return o.purpose;
    case 'safety_order':
      return 'safety';
    case 'protect':
      return type === 'STOP_LOSS_LIMIT' ? 'stop_loss' : 'take_profit';
    default:
      return 'other';
  }
}

export const ORDER_COLORS: Record<OrderRole, string> = {
  grid_buy: '#2ebd85',
  grid_sell: '#f6465d',
  safety: '#f5a524',
  take_profit: '#22d3ee',
  stop_loss: '#f97316',
  other: '#a78bfa',
};

const ROLE_TITLE: Record<OrderRole, string> = {
  grid_buy: 'Grid buy',
  grid_sell: 'Grid sell',
  safety: 'Safety',
  take_profit: 'Take-profit',
  stop_loss: 'Stop-loss',
  other: 'Order',
};

/** "safety_2" -> " 2": the step a safety order is for, so two of them on the chart are told apart. */
const step = (key: string) => /^safety_(\d+)$/.exec(key)?.[1];

/**
 * The open orders as price lines, kept in view: a stop draws at its trigger (where it fires), any other order at
 * its limit.
 * Orders resting at the same price and role (two partial lots of one grid cell) draw one line.
 */
export function orderLevels(orders: BotOrder[]): ChartLevel[] {
  const seen = new Set<string>();
  const out: ChartLevel[] = [];
  for (const o of orders) {
    if (!isOpenOrder(o)) continue;
    const price = toNumber(o.stop_price) ?? toNumber(o.price);
    if (price === null) continue;
    const role = orderRole(o);
    const id = `${role}@${price}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const n = role === 'safety' ? step(o.key) : undefined;
    const oco = o.purpose === 'protect' ? ' (OCO)' : '';
    out.push({ price, title: `${ROLE_TITLE[role]}${n ? ` ${n}` : ''}${oco}`, color: ORDER_COLORS[role], dashed: true, inView: true });
  }
  return out;
}

/**
 * The strategy's planned levels and the orders that rest on them: where an order rests at a level's price
 * (to the symbol's tick) it replaces the level's line, so one price shows one labelled line, not two stacked.
 */
export function withOrderLevels(planned: ChartLevel[], orders: ChartLevel[], p: Precision): ChartLevel[] {
  const key = (price: number) => (p.price == null ? price.toPrecision(10) : price.toFixed(p.price));
  const taken = new Set(orders.map((o) => key(o.price)));
  return [...planned.filter((l) => !taken.has(key(l.price))), ...orders];
}

export type OrderLegendItem = { label: string; color: string; count: number };

/** One legend entry per kind of line the open orders draw, with how many there are. */
export function orderLegend(orders: BotOrder[]): OrderLegendItem[] {
  const items = new Map<OrderRole, OrderLegendItem>();
  for (const o of orders) {
    if (!isOpenOrder(o) || (toNumber(o.stop_price) ?? toNumber(o.price)) === null) continue;
    const role = orderRole(o);
    const item = items.get(role) ?? { label: ROLE_TITLE[role], color: ORDER_COLORS[role], count: 0 };
    items.set(role, { ...item, count: item.count + 1 });
  }
  return [...items.values()];
}
