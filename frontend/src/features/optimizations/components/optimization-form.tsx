import { useCallback, useState } from 'react';
import { z } from 'zod';
import { Field, SelectField, TextField, type FormLike } from '@/components/form/field';
import { FormError } from '@/components/ui/alert';
import { INTERVALS } from '@/config/constants';
import { paramFields, type ParamField } from '@/lib/json-schema';
import { useFormState } from '@/lib/form';
import type { MarketSymbol, Strategy } from '@/types/api';
import { useCreateOptimization } from '../api/optimizations';
import { buildRequest, buildSpace, gridSize, isNumeric, OBJECTIVES, RISK_PARAMS, SAMPLERS, spaceDefaults, type Raw } from '../lib/space';
import type { Optimization, Sampler } from '../types';

/** The value of a datetime-local input (local time) for a date. */
const localInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

function initialValues(strategy: Strategy | undefined, symbols: MarketSymbol[]): Raw {
  const now = new Date();
  return {
    strategy: strategy?.id ?? '',
    symbol: symbols[0]?.symbol ?? '',
    interval: '1h',
    source: 'range',
    start: localInput(new Date(now.getTime() - 30 * 86_400_000)),
    end: localInput(now),
    csv: '',
    objective: 'sharpe',
    min_trades: '1',
    sampler: 'grid',
    trials: '100',
    test_pct: '30',
    fee: '0.001',
    cash: '10000',
    ...(strategy ? spaceDefaults(strategy.params_schema) : {}),
  };
}

/** A zod schema whose issues are the pure builder's errors, so the shared form state shows them inline. */
function schemaFor(strategies: Strategy[]) {
  return (values: Raw) =>
    z.record(z.string(), z.unknown()).superRefine((_v, ctx) => {
      const schema = strategies.find((s) => s.id === values.strategy)?.params_schema;
      if (!schema) return ctx.addIssue({ code: 'custom', path: ['strategy'], message: 'Choose a strategy' });
      const { errors } = buildRequest(schema, values);
      for (const [path, message] of Object.entries(errors)) ctx.addIssue({ code: 'custom', path: [path], message });
    });
}

export function OptimizationForm({ strategies, symbols, onCreated }: { strategies: Strategy[]; symbols: MarketSymbol[]; onCreated: (o: Optimization) => void }) {
  const [schema] = useState(() => schemaFor(strategies));
  const form = useFormState<Raw>(() => initialValues(strategies.find((s) => s.id === 'sma_cross') ?? strategies[0], symbols), schema);
  const [fileName, setFileName] = useState('');
  const create = useCreateOptimization({ onSuccess: onCreated });
  const strategy = strategies.find((s) => s.id === form.values.strategy);
  const fields = strategy ? paramFields(strategy.params_schema) : [];
  const sampler = form.values.sampler as Sampler;
  const space = strategy ? buildSpace(strategy.params_schema, form.values, sampler).space : {};
  const points = Object.keys(space).length ? gridSize(space) : 0;

  const chooseStrategy = useCallback(
    (id: string) => {
      const next = strategies.find((s) => s.id === id);
      const kept = Object.fromEntries(Object.entries(form.values).filter(([k]) => !/^(params|mode|space)\./.test(k)));
      form.setValues({ ...kept, strategy: id, ...(next ? spaceDefaults(next.params_schema) : {}) });
    },
    [form, strategies],
  );

  const onSubmit = form.handleSubmit(() => {
    if (!strategy) return;
    const { body } = buildRequest(strategy.params_schema, form.values);
    if (body) create.mutate(body, { onError: form.applyServerError });
  });

  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Start optimization">
      <fieldset>
        <legend>Strategy and market</legend>
        <div className="grid-fields">
          <Field label="Strategy" error={form.errorFor('strategy')}>
            {(a11y) => (
              <select {...a11y} name="strategy" value={String(form.values.strategy)} onChange={(e) => chooseStrategy(e.target.value)}>
                {strategies.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <SelectField form={form} name="symbol" label="Symbol" options={symbols.map((s) => ({ value: s.symbol, label: s.symbol }))} placeholder="Choose…" />
          <SelectField form={form} name="interval" label="Candle interval" options={INTERVALS.map((i) => ({ value: i, label: i }))} />
        </div>
      </fieldset>
      <fieldset>
        <legend>Parameters to search</legend>
        {form.errorFor('space') ? (
          <p className="field-error" role="alert">
            {form.errorFor('space')}
          </p>
        ) : null}
        {fields.length === 0 ? <p className="muted">This strategy has no parameters.</p> : null}
        <div className="opt-params">
          {fields.map((f) => (
            <ParamRow key={f.name} field={f} form={form} />
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Risk rules</legend>
        <div className="opt-params">
          {RISK_PARAMS.map((f) => (
            <ParamRow key={f.name} field={f} form={form} modes={RISK_MODES} fixedName={f.name} />
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Search</legend>
        <div className="grid-fields">
          <SelectField form={form} name="objective" label="Objective" options={OBJECTIVES} />
          <TextField form={form} name="min_trades" label="Minimum trades" inputMode="numeric" hint="Fewer closed trades: the trial has no score" />
          <SelectField form={form} name="sampler" label="Sampler" options={SAMPLERS} />
          {sampler === 'grid' ? (
            <Field label="Trials" error={form.errorFor('trials')} hint="A grid runs every point">
              {(a11y) => <output {...a11y} data-testid="grid-points">{points ? `${points} grid points` : '—'}</output>}
            </Field>
          ) : (
            <TextField form={form} name="trials" label="Trials" inputMode="numeric" />
          )}
          <TextField form={form} name="test_pct" label="Held-out test %" inputMode="numeric" hint="The last part of the period, never seen by the search" />
        </div>
      </fieldset>
      <fieldset>
        <legend>Data and account</legend>
        <div className="segmented" role="radiogroup" aria-label="Candle source">
          {(['range', 'csv'] as const).map((source) => (
            <label key={source} className={form.values.source === source ? 'active' : ''}>
              <input type="radio" name="source" checked={form.values.source === source} onChange={() => form.set('source', source)} />
              {source === 'range' ? 'Date range' : 'Upload kline CSV'}
            </label>
          ))}
        </div>
        <div className="grid-fields">
          {form.values.source === 'range' ? (
            <>
              <TextField form={form} name="start" label="Start" type="datetime-local" />
              <TextField form={form} name="end" label="End" type="datetime-local" />
            </>
          ) : (
            <Field label="Kline CSV (Binance format)" error={form.errorFor('csv')} hint={fileName || 'open_time, open, high, low, close, volume, …'}>
              {(a11y) => (
                <input
                  {...a11y}
                  type="file"
                  accept=".csv,text/csv"
                  onChange={async (e) => {
                    const file = e.target.files?.[0];
                    setFileName(file?.name ?? '');
                    form.set('csv', file ? await file.text() : '');
                  }}
                />
              )}
            </Field>
          )}
          <TextField form={form} name="fee" label="Fee per side" inputMode="decimal" hint="Fraction of notional: 0.001 = 0.1%" />
          <TextField form={form} name="cash" label="Starting cash" inputMode="decimal" />
        </div>
      </fieldset>
      <FormError error={create.error} inlineFields={Object.keys(form.values).concat([...fields, ...RISK_PARAMS].map((f) => `space.${f.name}`), ['space', 'validation.test_pct'])} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? 'Starting…' : 'Start optimization'}
        </button>
      </div>
    </form>
  );
}

type Mode = 'off' | 'fixed' | 'range';
const PARAM_MODES: Mode[] = ['fixed', 'range'];
const RISK_MODES: Mode[] = ['off', 'fixed', 'range'];
const MODE_LABEL: Record<Mode, string> = { off: 'Off', fixed: 'Fixed', range: 'Range' };

/**
 * One parameter: fixed (one value) or, when numeric, a range {low, high, step}; a risk rule may also be off.
 * `fixedName` is the form key of the fixed value (a strategy param's `params.<name>`, a risk rule's own name).
 */
function ParamRow({ field: f, form, modes = PARAM_MODES, fixedName = `params.${f.name}` }: { field: ParamField; form: FormLike; modes?: Mode[]; fixedName?: string }) {
  const mode = (isNumeric(f) ? (form.values[`mode.${f.name}`] as Mode | undefined) : undefined) ?? modes[0]!;
  const ranged = mode === 'range';
  const rangeError = form.errorFor(`space.${f.name}`);
  return (
    <div className="opt-param" role="group" aria-label={f.label}>
      <div className="opt-param-head">
        <strong>{f.label}</strong>
        {isNumeric(f) ? (
          <div className="segmented" role="radiogroup" aria-label={`${f.label}: ${modes.map((m) => MODE_LABEL[m].toLowerCase()).join(' or ')}`}>
            {modes.map((m) => (
              <label key={m} className={mode === m ? 'active' : ''}>
                <input type="radio" name={`mode.${f.name}`} checked={mode === m} onChange={() => form.set(`mode.${f.name}`, m)} />
                {MODE_LABEL[m]}
              </label>
            ))}
          </div>
        ) : null}
      </div>
      {ranged ? (
        <div className="grid-fields">
          <TextField form={form} name={`space.${f.name}.low`} label={`${f.label} low`} type="number" step={f.step ?? 'any'} />
          <TextField form={form} name={`space.${f.name}.high`} label={`${f.label} high`} type="number" step={f.step ?? 'any'} />
          <TextField form={form} name={`space.${f.name}.step`} label={`${f.label} step`} type="number" step="any" hint={f.kind === 'integer' ? 'Empty: 1' : 'Empty: continuous (not for a grid)'} />
        </div>
      ) : mode === 'off' ? null : (
        <FixedInput field={f} form={form} name={fixedName} />
      )}
      {rangeError ? <small className="field-error">{rangeError}</small> : null}
    </div>
  );
}

function FixedInput({ field: f, form, name }: { field: ParamField; form: FormLike; name: string }) {
  if (f.kind === 'boolean') {
    return (
      <label className="field-check">
        <input type="checkbox" checked={Boolean(form.values[name])} onChange={(e) => form.set(name, e.target.checked)} /> {f.label}
      </label>
    );
  }
  if (f.kind === 'enum') return <SelectField form={form} name={name} label={`${f.label} value`} options={f.options.map((o) => ({ value: o, label: o }))} />;
  const hint = f.min !== undefined && f.max !== undefined ? `${f.min} – ${f.max}` : undefined;
  return <TextField form={form} name={name} label={`${f.label} value`} type={isNumeric(f) ? 'number' : 'text'} step={f.step ?? 'any'} hint={hint} />;
}
