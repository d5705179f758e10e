/**
 * Plain words for the choices of a schema's enum fields, by field name. The server's schemas carry the values
 * only ("limit_maker"); a form shows these labels, and a value not listed here reads humanised.
 */
export const ENUM_LABELS: Record<string, Record<string, string>> = {
  // Grid: how each level's order is placed (issue #14).
  order_type: {
    market: 'Market (at the next open once the price crosses the level)',
    limit: 'Limit (rests on the exchange at the level)',
    limit_maker: 'Limit maker (rests at the level, refused if it would fill at once; maker fee only)',
  },
  // Risk: where the stop-loss / take-profit live (issue #14).
  stop_mode: {
    exchange: 'On the exchange (fires even if the platform is down)',
    bot: 'Checked by the bot each candle',
  },
  spacing: {
    arithmetic: 'Arithmetic (equal price steps)',
    geometric: 'Geometric (equal % steps)',
  },
};

export const humanizeValue = (value: string) => {
  const s = value.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
};

/** The label of one enum choice: the schema's own (`x-enum-labels`) first, then this map, then the value humanised. */
export function enumLabel(field: string, value: string, own?: Record<string, string>): string {
  return own?.[value] ?? ENUM_LABELS[field]?.[value] ?? humanizeValue(value);
}
