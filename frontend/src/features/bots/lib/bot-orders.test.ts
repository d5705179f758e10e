import { describe, expect, it } from 'vitest';
import { order } from '@/testing/order-fixtures';
import { isOpenOrder, orderLegend, orderLevels, orderRole, orderStatusLabel, orderTypeLabel, purposeLabel, withOrderLevels } from './bot-orders';


describe('order words', () => {
  it('names every purpose, type and status in plain words, and humanises what it does not know', () => {
    expect(['grid_buy', 'grid_sell', 'safety_order', 'take_profit', 'stop_loss', 'protect', 'rebalance_x'].map(purposeLabel)).toEqual([
      'Grid buy',
      'Grid sell',
      'Safety order',
      'Take-profit',
      'Stop-loss',
      'Protective OCO',
      'Rebalance x',
    ]);
    expect(['LIMIT', 'LIMIT_MAKER', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT', 'market'].map(orderTypeLabel)).toEqual([
      'Limit',
      'Limit maker',
      'Stop-limit',
      'Take-profit limit',
      'Market',
    ]);
    expect(['NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'EXPIRED', 'REJECTED'].map(orderStatusLabel)).toEqual([
      'Open',
      'Partly filled',
      'Filled',
      'Cancelled',
      'Expired',
      'Rejected',
    ]);
  });

  it('counts new, partly filled and cancelling orders as open', () => {
    expect(['NEW', 'PARTIALLY_FILLED', 'PENDING_CANCEL', 'FILLED', 'CANCELED', 'EXPIRED'].map((status) => isOpenOrder({ status }))).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it("draws an OCO's stop leg as the stop-loss and its limit leg as the take-profit", () => {
    expect(orderRole(order({ purpose: 'protect', type: 'STOP_LOSS_LIMIT', side: 'SELL' }))).toBe('stop_loss');
    expect(orderRole(order({ purpose: 'protect', type: 'LIMIT_MAKER', side: 'SELL' }))).toBe('take_profit');
    expect(orderRole(order({ purpose: 'safety_order' }))).toBe('safety');
  });
});

describe('orderLevels', () => {
  it('draws each open order as a labelled, coloured line: stops at their trigger, the rest at their limit', () => {
    const levels = orderLevels([
      order({ key: 'grid_buy_0', price: '60000' }),
      order({ key: 'grid_sell_1', purpose: 'grid_sell', side: 'SELL', price: '70000', status: 'PARTIALLY_FILLED' }),
      order({ key: 'safety_2', purpose: 'safety_order', price: '58000.5' }),
      order({ key: 'protect', purpose: 'protect', type: 'LIMIT_MAKER', side: 'SELL', price: '72000', order_list_id: 'L1' }),
      order({ key: 'protect', purpose: 'protect', type: 'STOP_LOSS_LIMIT', side: 'SELL', price: '55900', stop_price: '56000', order_list_id: 'L1' }),
      order({ key: 'grid_buy_3', price: '61000', status: 'FILLED' }),
      order({ key: 'grid_buy_4', price: null, type: 'MARKET' }),
    ]);
    expect(levels).toEqual([
      { price: 60000, title: 'Grid buy', color: '#2ebd85', dashed: true, inView: true },
      { price: 70000, title: 'Grid sell', color: '#f6465d', dashed: true, inView: true },
      { price: 58000.5, title: 'Safety 2', color: '#f5a524', dashed: true, inView: true },
      { price: 72000, title: 'Take-profit (OCO)', color: '#22d3ee', dashed: true, inView: true },
      { price: 56000, title: 'Stop-loss (OCO)', color: '#f97316', dashed: true, inView: true },
    ]);
  });

  it('draws two orders of one kind at one price once', () => {
    expect(orderLevels([order({ client_order_id: 'a' }), order({ client_order_id: 'b' })])).toHaveLength(1);
  });

  it("replaces a planned level's line by the order resting on it, to the symbol's tick", () => {
    const planned = [
      { price: 60000.001, title: 'grid 1', color: '#64748b' },
      { price: 65000, title: 'grid 2 · held', color: '#2ebd85' },
    ];
    const orders = orderLevels([order({ price: '60000.00' })]);
    expect(withOrderLevels(planned, orders, { price: 2, qty: 5, money: 2 }).map((l) => l.title)).toEqual(['grid 2 · held', 'Grid buy']);
    expect(withOrderLevels(planned, orders, { price: null, qty: null, money: 2 }).map((l) => l.title)).toEqual(['grid 1', 'grid 2 · held', 'Grid buy']);
  });

  it('sums the open orders by the kind of line they draw, for the legend', () => {
    expect(
      orderLegend([order({}), order({ client_order_id: 'x', price: '59000' }), order({ purpose: 'take_profit', side: 'SELL' }), order({ status: 'CANCELED', purpose: 'stop_loss' })]),
    ).toEqual([
      { label: 'Grid buy', color: '#2ebd85', count: 2 },
      { label: 'Take-profit', color: '#22d3ee', count: 1 },
    ]);
  });
});
