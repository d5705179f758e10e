import { useCallback, useState } from 'react';
import { z } from 'zod';
import { FormError } from '@/components/ui/alert';
import { defaultSymbol } from '@/config/constants';
import { Field, TextField } from '@/components/form/field';
import { StrategyConfigFields } from '@/components/form/strategy-config-fields';
import { useFormState } from '@/lib/form';
import { strategyConfigDefaults, strategyConfigPayload, strategyConfigSchema } from '@/lib/strategy-config';
import type { MarketSymbol, Strategy } from '@/types/api';
import { useCreateBacktest } from '../api/create-backtest';
import { loadLastInputs, saveLastInputs } from '../lib/last-inputs';
import { SIGNALS_PLACEHOLDER, signalsPayload, takesSignals } from '../lib/signals-input';
import type { Backtest } from '../types';

const number = (min: number, max: number | null, msg: string) =>
  z
    .string()
    .trim()
    .min(1, { error: 'Required' })
    .transform(Number)
    .pipe(max === null ? z.number({ error: 'Must be a number' }).min(min, { error: msg }) : z.number({ error: 'Must be a number' }).min(min, { error: msg }).max(max, { error: msg }));

function backtestSchema(strategy: Strategy | undefined) {
  return strategyConfigSchema(strategy)
    .extend({
      source: z.enum(['range', 'csv']),
      start: z.string(),
      end: z.string(),
      csv: z.string(),
      signals: z.string().max(100 * 1024, { error: 'At most 100 KB of signals' }),
      fee: number(0, 0.1, 'Between 0 and 0.1 (0.001 = 0.1%)'),
      cash: number(1, null, 'At least 1'),
    })
    .superRefine((raw, ctx) => {
      const v = raw as { source: string; csv: string; start: string; end: string };
      if (v.source === 'csv') {
        if (!v.csv.trim()) ctx.addIssue({ code: 'custom', path: ['csv'], message: 'Choose a kline CSV file' });
        return;
      }
      if (!v.start) ctx.addIssue({ code: 'custom', path: ['start'], message: 'Required' });
      if (!v.end) ctx.addIssue({ code: 'custom', path: ['end'], message: 'Required' });
      if (v.start && v.end && Date.parse(v.start) >= Date.parse(v.end))
        ctx.addIssue({ code: 'custom', path: ['end'], message: 'Must be after the start' });
    });
}

/** The value of a datetime-local input (local time) for a date. */
const isoDay = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

/** A datetime-local value is local time; the API takes ISO-8601 UTC. */
const toIso = (local: string) => new Date(local).toISOString();

export function BacktestForm({
  strategies,
  symbols,
  onCreated,
}: {
  strategies: Strategy[];
  symbols: MarketSymbol[];
  onCreated: (b: Backtest) => void;
}) {
  const schemaFor = useCallback((v: Record<string, unknown>) => backtestSchema(strategies.find((s) => s.id === v.strategy)), [strategies]);
  const form = useFormState<Record<string, unknown>>(() => {
    const now = new Date();
    const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
    const defaultsFor = (s: Strategy | undefined) => ({
      ...strategyConfigDefaults(s, defaultSymbol(symbols)),
      source: 'range',
      start: isoDay(weekAgo),
      end: isoDay(now),
      csv: '',
      signals: '',
      fee: '0.001',
      cash: '10000',
    });
    return loadLastInputs(strategies, defaultsFor) ?? defaultsFor(strategies[0]);
  }, schemaFor);
  const [fileName, setFileName] = useState('');
  const create = useCreateBacktest({ onSuccess: onCreated });
  const strategy = strategies.find((s) => s.id === form.values.strategy);

  const onSubmit = form.handleSubmit((data) => {
    if (!strategy) return;
    const v = data as Record<string, unknown>;
    saveLastInputs(form.values);
    const source = v.source === 'csv' ? { csv: String(v.csv) } : { start: toIso(String(v.start)), end: toIso(String(v.end)) };
    const signals = signalsPayload(strategy.id, String(v.signals ?? ''));
    create.mutate({ ...strategyConfigPayload(strategy, v), ...source, ...signals, fee: Number(v.fee), cash: Number(v.cash) }, { onError: form.applyServerError });
  });

  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Run backtest">
      <StrategyConfigFields form={form} strategies={strategies} symbols={symbols} />
      <fieldset>
        <legend>Data and account</legend>
        <div className="segmented" role="radiogroup" aria-label="Candle source">
          <label className={form.values.source === 'range' ? 'active' : ''}>
            <input type="radio" name="source" checked={form.values.source === 'range'} onChange={() => form.set('source', 'range')} />
            Date range
          </label>
          <label className={form.values.source === 'csv' ? 'active' : ''}>
            <input type="radio" name="source" checked={form.values.source === 'csv'} onChange={() => form.set('source', 'csv')} />
            Upload kline CSV
          </label>
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
          {takesSignals(strategy?.id) ? (
            <Field
              label="Signals (CSV)"
              error={form.errorFor('signals')}
              hint="time,action[,amount] per line: ISO time or epoch, buy / sell / close. Each fills at the open of the bar after it arrived, as live. Leave empty to test only the risk rules."
            >
              {(a11y) => (
                <textarea
                  {...a11y}
                  name="signals"
                  rows={6}
                  spellCheck={false}
                  placeholder={SIGNALS_PLACEHOLDER}
                  value={String(form.values.signals ?? '')}
                  onChange={(e) => form.set('signals', e.target.value)}
                  onBlur={() => form.touch('signals')}
                />
              )}
            </Field>
          ) : null}
          <TextField form={form} name="fee" label="Fee per side" inputMode="decimal" hint="Fraction of notional: 0.001 = 0.1%" />
          <TextField form={form} name="cash" label="Starting cash" inputMode="decimal" />
        </div>
      </fieldset>
      <FormError error={create.error} inlineFields={Object.keys(form.values)} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? 'Running…' : 'Run backtest'}
        </button>
      </div>
    </form>
  );
}
