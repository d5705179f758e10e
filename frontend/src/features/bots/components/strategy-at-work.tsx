import { formatPrice, formatQuote, type Precision } from '@/lib/format';
import { enumLabel } from '@/lib/enum-labels';
import type { JsonSchemaProperty, ObjectSchema } from '@/lib/json-schema';
import type { BotChart } from '../api/get-bot-chart';
import type { Bot } from '../types';

const PRICE_PARAMS = new Set(['lower', 'upper']);

function paramValue(key: string, value: unknown, p: Precision, prop?: JsonSchemaProperty): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (prop?.enum) return enumLabel(key, String(value), prop['x-enum-labels']);
  if (PRICE_PARAMS.has(key)) return formatPrice(value as number, p);
  return String(value);
}

/** The bot's strategy by name and each parameter with the words its schema uses. */
export function BotParams({ bot, strategyName, schema, precision }: { bot: Bot; strategyName: string; schema?: ObjectSchema; precision: Precision }) {
  const props = schema?.properties ?? {};
  const entries = Object.entries(bot.params);
  return (
    <section className="card" aria-label="Parameters">
      <h2>{strategyName}</h2>
      {entries.length === 0 ? (
        <p className="muted">This strategy has no parameters.</p>
      ) : (
        <dl className="params">
          {entries.map(([key, value]) => (
            <div key={key}>
              <dt title={key}>{props[key]?.title ?? props[key]?.description ?? key}</dt>
              <dd>{paramValue(key, value, precision, props[key])}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

/** The DCA cycle's safety orders: where each triggers, what it spends, and which have filled. */
export function DcaLadder({ chart, precision }: { chart: BotChart; precision: Precision }) {
  if (chart.safety_orders.length === 0 || chart.dca_base_price == null) return null;
  const filled = chart.safety_orders.filter((s) => s.filled).length;
  return (
    <section className="card" aria-label="DCA plan">
      <h2>DCA plan</h2>
      <p className="muted">
        {chart.dca_in_cycle
          ? `Cycle opened at ${formatPrice(chart.dca_base_price, precision)}; ${filled} of ${chart.safety_orders.length} safety orders filled.`
          : `No cycle open: from the last close (${formatPrice(chart.dca_base_price, precision)}) the next base order would place these safety orders.`}
      </p>
      <div className="table-wrap">
        <table className="table table-cards">
          <caption className="sr-only">Safety orders</caption>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col" className="num">Trigger price</th>
              <th scope="col" className="num">Spends</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {chart.safety_orders.map((s) => (
              <tr key={s.leg} className={s.filled ? 'filled' : undefined}>
                <td data-label="Order">Safety order {s.leg.split('_')[1]}</td>
                <td data-label="Trigger price" className="num">
                  {formatPrice(s.price, precision)}
                </td>
                <td data-label="Spends" className="num">
                  {formatQuote(s.quote, precision)}
                </td>
                <td data-label="Status">{s.filled ? 'Filled' : 'Waiting'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
