import { paramFields, type ObjectSchema } from '@/lib/json-schema';
import { Field, type FormLike } from './field';

/** Inputs generated from a JSON schema; values live in the form under `${prefix}${name}`. */
export function SchemaFields({ schema, form, prefix = '' }: { schema: ObjectSchema; form: FormLike; prefix?: string }) {
  const fields = paramFields(schema);
  if (fields.length === 0) return <p className="muted">This strategy has no parameters.</p>;
  return (
    <div className="grid-fields">
      {fields.map((f) => {
        const name = prefix + f.name;
        const hint = [f.description, rangeHint(f.min, f.max)].filter(Boolean).join(' · ') || undefined;
        if (f.kind === 'boolean') {
          return (
            <div className="field field-check" key={name}>
              <label>
                <input type="checkbox" name={name} checked={Boolean(form.values[name])} onChange={(e) => form.set(name, e.target.checked)} />
                {f.label}
              </label>
              {hint ? <small className="hint">{hint}</small> : null}
            </div>
          );
        }
        return (
          <Field key={name} label={f.label} error={form.errorFor(name)} hint={hint}>
            {(a11y) =>
              f.kind === 'enum' ? (
                <select {...a11y} name={name} value={String(form.values[name] ?? '')} onChange={(e) => form.set(name, e.target.value)}>
                  {f.required ? null : <option value="">—</option>}
                  {f.choices.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  {...a11y}
                  name={name}
                  type={f.kind === 'string' ? 'text' : 'number'}
                  inputMode={f.kind === 'integer' ? 'numeric' : f.kind === 'number' ? 'decimal' : undefined}
                  step={f.kind === 'string' ? undefined : (f.step ?? 'any')}
                  min={f.min}
                  max={f.max}
                  value={String(form.values[name] ?? '')}
                  onChange={(e) => form.set(name, e.target.value)}
                  onBlur={() => form.touch(name)}
                />
              )
            }
          </Field>
        );
      })}
    </div>
  );
}

function rangeHint(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return `${min} – ${max}`;
  if (min !== undefined) return `≥ ${min}`;
  if (max !== undefined) return `≤ ${max}`;
  return '';
}
