import { useState } from 'react';
import { INTERVALS } from '@/config/constants';
import { ENUM_LABELS } from '@/lib/enum-labels';
import { STOP_MODE_FIELD, STOP_MODES, switchStrategy } from '@/lib/strategy-config';
import type { MarketSymbol, StopMode, Strategy } from '@/types/api';
import { SelectField, TextField, type FormLike } from './field';
import { SchemaFields } from './schema-fields';

type Props = {
  form: FormLike & { setValues: (fn: (v: Record<string, unknown>) => Record<string, unknown>) => void };
  strategies: Strategy[];
  symbols: MarketSymbol[];
  /** A bot being created: left unchosen, the stop mode is the server's pick for a new bot. */
  newBot?: boolean;
};

/** Strategy, its generated parameter form, market and risk rules (shared by bots and backtests). */
export function StrategyConfigFields({ form, strategies, symbols, newBot = false }: Props) {
  return (
    <>
      <StrategyFields form={form} strategies={strategies} />
      <MarketFields form={form} symbols={symbols} />
      <RiskFields form={form} newBot={newBot} />
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

export function RiskFields({ form, hint, newBot = false }: { form: FormLike; hint?: string; newBot?: boolean }) {
  return (
    <fieldset>
      <legend>Risk rules</legend>
      {hint ? <p className="hint">{hint}</p> : null}
      <div className="grid-fields">
        <TextField form={form} name="risk.stop_loss_pct" label="Stop-loss %" type="number" step="any" inputMode="decimal" hint="Empty for none" />
        <TextField form={form} name="risk.take_profit_pct" label="Take-profit %" type="number" step="any" inputMode="decimal" hint="Empty for none" />
        <TextField form={form} name="risk.trailing_stop_pct" label="Trailing stop %" type="number" step="any" inputMode="decimal" hint="Empty for none" />
      </div>
      <StopModeField form={form} newBot={newBot} />
    </fieldset>
  );
}

const STOP_MODE_LABEL = ENUM_LABELS.stop_mode as Record<StopMode, string>;

/**
 * What an unchosen stop mode means: a saved bot (and a backtest) checks its stops itself; the server puts a
 * new live bot's stop-loss / take-profit on the exchange when it has one.
 */
export function automaticStopMode(values: Record<string, unknown>, newBot: boolean): StopMode {
  const hasStop = ['risk.stop_loss_pct', 'risk.take_profit_pct'].some((k) => String(values[k] ?? '').trim() !== '');
  return newBot && values.mode === 'live' && hasStop ? 'exchange' : 'bot';
}

/**
 * Where the stop-loss and take-profit live. Shown as a line with the mode in force until the user asks to
 * change it (most never need to), so a form that leaves it alone sends no stop mode.
 */
function StopModeField({ form, newBot }: { form: FormLike; newBot: boolean }) {
  const chosen = form.values[STOP_MODE_FIELD];
  const [open, setOpen] = useState(false);
  const auto = STOP_MODE_LABEL[automaticStopMode(form.values, newBot)];
  const hint = 'On the exchange, the stop-loss and take-profit rest as one OCO order that fills between candles; checked by the bot, they are sold at market after the candle that crossed them.';
  if (!open && (chosen === undefined || chosen === '')) {
    return (
      <p className="hint stop-mode-summary">
        Stop-loss and take-profit{newBot ? ' (automatic)' : ''}: {auto}.{' '}
        <button type="button" className="btn btn-ghost" onClick={() => setOpen(true)}>
          Change where they are checked
        </button>
      </p>
    );
  }
  return (
    <SelectField
      form={form}
      name={STOP_MODE_FIELD}
      label="Stop-loss and take-profit"
      placeholder={`Automatic: ${auto}`}
      options={STOP_MODES.map((m) => ({ value: m, label: STOP_MODE_LABEL[m] }))}
      hint={hint}
    />
  );
}
