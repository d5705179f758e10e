import { INTERVALS } from '@/config/constants';
import { switchStrategy } from '@/lib/strategy-config';
import type { MarketSymbol, Strategy } from '@/types/api';
import { SelectField, TextField, type FormLike } from './field';
import { SchemaFields } from './schema-fields';

type Props = {
  form: FormLike & { setValues: (fn: (v: Record<string, unknown>) => Record<string, unknown>) => void };
  strategies: Strategy[];
  symbols: MarketSymbol[];
};

/** Strategy, its generated parameter form, market and risk rules (shared by bots and backtests). */
export function StrategyConfigFields({ form, strategies, symbols }: Props) {
  return (
    <>
      <StrategyFields form={form} strategies={strategies} />
      <MarketFields form={form} symbols={symbols} />
      <RiskFields form={form} />
    </>
  );
}

/** The strategy select and the parameter inputs generated from the chosen strategy's schema. */
export function StrategyFields({ form, strategies }: Pick<Props, 'form' | 'strategies'>) {
  const strategy = strategies.find((s) => s.id === form.values.strategy);
  return (
    <fieldset>
      <legend>Strategy</legend>
      <div className="field">
        <label htmlFor="strategy-select">Strategy</label>
        <select
          id="strategy-select"
          name="strategy"
          value={String(form.values.strategy ?? '')}
          aria-invalid={Boolean(form.errorFor('strategy'))}
          onChange={(e) => form.setValues((v) => switchStrategy(v, strategies.find((s) => s.id === e.target.value)))}
        >
          <option value="">Choose a strategy…</option>
          {strategies.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
        {form.errorFor('strategy') ? <small className="field-error">{form.errorFor('strategy')}</small> : null}
        {strategy?.description ? <small className="hint">{strategy.description}</small> : null}
      </div>
      {strategy ? <SchemaFields schema={strategy.params_schema} form={form} prefix="params." /> : null}
    </fieldset>
  );
}

export function MarketFields({ form, symbols }: { form: FormLike; symbols: MarketSymbol[] }) {
  const sym = symbols.find((s) => s.symbol === form.values.symbol);
  return (
    <fieldset>
      <legend>Market</legend>
      <div className="grid-fields">
        <SelectField
          form={form}
          name="symbol"
          label="Symbol"
          placeholder="Choose a symbol…"
          options={symbols.map((s) => ({ value: s.symbol, label: `${s.base_asset}/${s.quote_asset}` }))}
          hint={sym?.min_notional ? `Minimum order ${sym.min_notional} ${sym.quote_asset}` : undefined}
        />
        <SelectField form={form} name="interval" label="Candle interval" options={INTERVALS.map((i) => ({ value: i, label: i }))} />
      </div>
    </fieldset>
  );
}

export function RiskFields({ form, hint }: { form: FormLike; hint?: string }) {
  return (
    <fieldset>
      <legend>Risk rules</legend>
      {hint ? <p className="hint">{hint}</p> : null}
      <div className="grid-fields">
        <TextField form={form} name="risk.stop_loss_pct" label="Stop-loss %" type="number" step="any" inputMode="decimal" hint="Empty for none" />
        <TextField form={form} name="risk.take_profit_pct" label="Take-profit %" type="number" step="any" inputMode="decimal" hint="Empty for none" />
        <TextField form={form} name="risk.trailing_stop_pct" label="Trailing stop %" type="number" step="any" inputMode="decimal" hint="Empty for none" />
      </div>
    </fieldset>
  );
}
