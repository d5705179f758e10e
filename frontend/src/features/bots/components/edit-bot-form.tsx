import { useCallback, useId, useState } from 'react';
import { Link } from 'react-router';
import { FormError, Notice } from '@/components/ui/alert';
import { RiskFields, StrategyConfigFields } from '@/components/form/strategy-config-fields';
import { paths } from '@/config/paths';
import { ApiError } from '@/lib/api-error';
import { useFormState } from '@/lib/form';
import { paramFields, type ParamField } from '@/lib/json-schema';
import { RISK_FIELDS, STOP_MODE_FIELD } from '@/lib/strategy-config';
import type { MarketSymbol, Strategy } from '@/types/api';
import { useUpdateBot } from '../api/update-bot';
import { botChanges, botFormValues, botSchema, isLocked, runningBotSchema } from '../lib/bot-form';
import type { Bot } from '../types';
import { apiKeyLabel, BotBasicsFields, MODE_LABEL, ModeFields, type ApiKeyOption } from './bot-form-fields';

const LOCKED_INPUTS = ['name', 'budget', ...RISK_FIELDS.map((k) => `risk.${k}`), STOP_MODE_FIELD];

/**
 * Edit a saved bot, starting from its current configuration. A running or paused bot may change
 * its name, budget and risk rules only; the rest is shown read-only with the reason. Only the
 * fields that changed are sent.
 */
export function EditBotForm({
  bot,
  strategies,
  symbols,
  apiKeys,
  onSaved,
}: {
  bot: Bot;
  strategies: Strategy[];
  symbols: MarketSymbol[];
  apiKeys: ApiKeyOption[];
  onSaved: (bot: Bot) => void;
}) {
  // The inputs as they started, to tell which ones the user edited. `bot` keeps refreshing (its status
  // may change), and the changes are checked against its latest configuration.
  const [initial] = useState(() => botFormValues(bot, strategies.find((s) => s.id === bot.strategy)));
  const locked = isLocked(bot.status);
  const schemaFor = useCallback(
    (v: Record<string, unknown>) => (locked ? runningBotSchema() : botSchema(strategies.find((s) => s.id === v.strategy))),
    [locked, strategies],
  );
  const form = useFormState<Record<string, unknown>>(initial, schemaFor);
  const strategy = strategies.find((s) => s.id === form.values.strategy);
  const update = useUpdateBot(bot.id, { onSuccess: onSaved });
  const [unchangedAt, setUnchangedAt] = useState<Record<string, unknown> | null>(null);
  const quote = symbols.find((s) => s.symbol === (locked ? bot.symbol : form.values.symbol))?.quote_asset ?? '';

  const onSubmit = form.handleSubmit((data) => {
    const changes = botChanges({ bot, initial, values: form.values, parsed: data as Record<string, unknown>, strategy, locked });
    if (Object.keys(changes).length === 0) {
      setUnchangedAt(form.values);
      return;
    }
    update.mutate(changes, { onError: form.applyServerError });
  });

  const running = update.error instanceof ApiError && update.error.code === 'bot_running';
  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label={`Edit bot ${bot.name}`}>
      {locked ? (
        <Notice>
          This bot is {bot.status}: its name, budget and risk rules can change now and apply from its next tick. Its strategy, parameters,
          market, mode and API key stay as they are until you stop it.
        </Notice>
      ) : null}
      <BotBasicsFields
        form={form}
        quote={quote}
        budgetHint={
          locked
            ? 'Quote amount the bot may spend. A change shifts its cash by the difference at its next tick.'
            : 'Quote amount the bot may spend'
        }
      />
      {locked ? (
        <>
          <RiskFields form={form} />
          <LockedConfig bot={bot} strategies={strategies} symbols={symbols} apiKeys={apiKeys} />
        </>
      ) : (
        <>
          <StrategyConfigFields form={form} strategies={strategies} symbols={symbols} />
          <ModeFields form={form} apiKeys={apiKeys} />
        </>
      )}
      {running ? (
        <div className="alert alert-error" role="alert">
          <p>
            <strong>The bot is running.</strong> {(update.error as ApiError).message}
          </p>
          <p>While a bot runs or is paused only its name, budget and risk rules can change. Stop it on its page first to change the rest.</p>
        </div>
      ) : (
        <FormError error={update.error} inlineFields={locked ? LOCKED_INPUTS : Object.keys(form.values)} />
      )}
      {unchangedAt === form.values ? <Notice>Nothing changed: there is nothing to save.</Notice> : null}
      <div className="form-actions btn-row">
        <Link className="btn btn-ghost" to={paths.bot(bot.id)}>
          Cancel
        </Link>
        <button type="submit" className="btn btn-primary" disabled={update.isPending}>
          {update.isPending ? 'Saving…' : 'Save changes'}
        </button>
      </div>
    </form>
  );
}

/** What a running or paused bot cannot change, shown as plain text with the reason. */
function LockedConfig({ bot, strategies, symbols, apiKeys }: { bot: Bot; strategies: Strategy[]; symbols: MarketSymbol[]; apiKeys: ApiKeyOption[] }) {
  const titleId = useId();
  const strategy = strategies.find((s) => s.id === bot.strategy);
  const symbol = symbols.find((s) => s.symbol === bot.symbol);
  const key = apiKeys.find((k) => k.id === bot.api_key_id);
  const params = strategy
    ? paramFields(strategy.params_schema).map((f) => ({ label: f.label, value: choiceLabel(f, bot.params[f.name]) }))
    : Object.entries(bot.params).map(([label, value]) => ({ label, value }));
  return (
    <section className="readonly-group" aria-labelledby={titleId}>
      <h2 id={titleId}>Needs a stop to change</h2>
      <p className="hint">
        The strategy, its parameters, the market and the mode decide what the bot trades and how, so they can only change while it is
        stopped. Stop it on its page, edit them here, then start it again.
      </p>
      <dl className="stats">
        <div>
          <dt>Strategy</dt>
          <dd>{strategy?.name ?? bot.strategy}</dd>
        </div>
        {params.map((p) => (
          <div key={p.label}>
            <dt>{p.label}</dt>
            <dd>{p.value === undefined || p.value === null ? '—' : String(p.value)}</dd>
          </div>
        ))}
        <div>
          <dt>Symbol</dt>
          <dd>{symbol ? `${symbol.base_asset}/${symbol.quote_asset}` : bot.symbol}</dd>
        </div>
        <div>
          <dt>Candle interval</dt>
          <dd>{bot.interval}</dd>
        </div>
        <div>
          <dt>Mode</dt>
          <dd>{MODE_LABEL[bot.mode]}</dd>
        </div>
        {bot.mode === 'live' ? (
          <div>
            <dt>Exchange API key</dt>
            <dd>{key ? apiKeyLabel(key) : (bot.api_key_id ?? '—')}</dd>
          </div>
        ) : null}
      </dl>
    </section>
  );
}

/** An enum param reads as its choice's label ("Limit (rests on the exchange at the level)"), others as they are. */
function choiceLabel(f: ParamField, value: unknown): unknown {
  return f.choices.find((c) => c.value === String(value))?.label ?? value;
}
