import { useEffect, useMemo, useState } from 'react';
import { errorMessage } from '@/lib/api-error';
import { DEFAULT_PRECISION, formatFixed, formatPrice, type Precision } from '@/lib/format';
import { useBotPlan, type BotPlan, type PlanInput } from '../api/plan-bot';

/** Waits until the inputs have been still for `ms` before asking for a new plan. */
function useSettled<T>(value: T, ms: number): T {
  const key = JSON.stringify(value);
  const [settled, setSettled] = useState(key);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(key), ms);
    return () => clearTimeout(timer);
  }, [key, ms]);
  return useMemo(() => JSON.parse(settled) as T, [settled]);
}

const legName = (leg: string) =>
  leg === 'base' ? 'Base order' : leg === 'entry' ? 'Entry' : leg.startsWith('safety_') ? `Safety order ${leg.slice(7)}` : `Grid cell ${Number(leg.slice(9)) + 1}`;

/**
 * The plan of the bot being created, before launch: the current price, every order the strategy implies
 * (grid levels, DCA safety-order prices and sizes), the investment it needs, and what would make the server
 * refuse it, in words. `onSuggestRange` offers grid bounds around the current price.
 */
type PreviewProps = {
  input: PlanInput | null;
  onSuggestRange?: (lower: string, upper: string) => void;
  /** The symbol's precision: prices to its tick, order sizes and the investment to its quote's precision. */
  precision?: Precision;
};

export function BotPlanPreview({ input, onSuggestRange, precision = DEFAULT_PRECISION }: PreviewProps) {
  const settled = useSettled(input, 300);
  const plan = useBotPlan(settled);
  if (!input) return <section className="plan" aria-label="Plan"><p className="muted">Complete the fields above to see the plan.</p></section>;
  if (plan.isError) return <section className="plan" aria-label="Plan"><p className="muted">The plan is not available: {errorMessage(plan.error)}</p></section>;
  if (!plan.data) return <section className="plan" aria-label="Plan"><p className="muted">Computing the plan…</p></section>;
  return <PlanView plan={plan.data} grid={input.strategy === 'grid'} onSuggestRange={onSuggestRange} precision={precision} />;
}

type ViewProps = { plan: BotPlan; grid: boolean; onSuggestRange?: (lower: string, upper: string) => void; precision: Precision };

function PlanView({ plan, grid, onSuggestRange, precision }: ViewProps) {
  const quote = plan.quote_asset;
  const price = plan.price;
  const money = (v: string, withAsset = true) => `${formatFixed(v, precision.money)}${withAsset ? ` ${quote}` : ''}`;
  const suggest = () => {
    if (!price || !onSuggestRange) return;
    const p = Number(price);
    // Bounds on the symbol's tick (two decimals while its rules are unknown), as the server checks them.
    const places = precision.price ?? 2;
    onSuggestRange((p * 0.9).toFixed(places), (p * 1.1).toFixed(places));
  };
  return (
    <section className="plan" aria-label="Plan">
      <h2>Plan</h2>
      <p>
        Current price of {plan.symbol}: <strong data-testid="current-price">{price ? formatPrice(price, precision) : 'unknown'}</strong>
        {grid && price && onSuggestRange ? (
          <>
            {' '}
            <button type="button" className="btn btn-ghost" onClick={suggest}>
              Set the range to ±10% of the price
            </button>
          </>
        ) : null}
      </p>
      <p>
        Investment needed: <strong data-testid="plan-investment">{money(plan.investment)}</strong> of a budget of {money(plan.budget)}
        {' '}(each order at least {money(plan.min_order_quote)})
      </p>
      {plan.problems.length > 0 ? (
        <div className="alert alert-error" role="alert" aria-label="Plan problems">
          <p>This bot could not work as configured:</p>
          <ul>
            {plan.problems.map((p) => (
              <li key={`${p.field}:${p.code}`}>{p.message}</li>
            ))}
          </ul>
        </div>
      ) : (
        <p className="muted">Every order fits {plan.symbol}'s rules and the budget.</p>
      )}
      {plan.orders.length > 0 ? (
        <div className="table-wrap">
          <table className="table table-cards" aria-label="Planned orders">
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">{grid ? 'Buys at' : 'Price'}</th>
                <th scope="col">Spends ({quote})</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {plan.orders.map((o) => (
                <tr key={o.leg}>
                  <td data-label="Order">{legName(o.leg)}</td>
                  <td data-label={grid ? 'Buys at' : 'Price'}>{Number(o.price) > 0 ? formatPrice(o.price, precision) : '–'}</td>
                  <td data-label={`Spends (${quote})`}>{money(o.quote, false)}</td>
                  <td data-label="Note">{o.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
