import { useId, type ReactNode } from 'react';

/** A labelled control with its hint and inline error, wired for screen readers. */
export function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string;
  error?: string;
  hint?: ReactNode;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': describedBy })}
      {hint ? (
        <small id={hintId} className="hint">
          {hint}
        </small>
      ) : null}
      {error ? (
        <small id={errorId} className="field-error">
          {error}
        </small>
      ) : null}
    </div>
  );
}

type FormLike = {
  values: Record<string, unknown>;
  set: (name: string, value: unknown) => void;
  touch: (name: string) => void;
  errorFor: (name: string) => string | undefined;
};

/** A text-like input bound to a form field by name. */
export function TextField({
  form,
  name,
  label,
  hint,
  type = 'text',
  ...rest
}: {
  form: FormLike;
  name: string;
  label: string;
  hint?: ReactNode;
  type?: string;
} & Omit<React.InputHTMLAttributes<HTMLInputElement>, 'form' | 'name' | 'value' | 'onChange' | 'type'>) {
  return (
    <Field label={label} error={form.errorFor(name)} hint={hint}>
      {(a11y) => (
        <input
          {...a11y}
          {...rest}
          name={name}
          type={type}
          value={String(form.values[name] ?? '')}
          onChange={(e) => form.set(name, e.target.value)}
          onBlur={() => form.touch(name)}
        />
      )}
    </Field>
  );
}

export function SelectField({
  form,
  name,
  label,
  hint,
  options,
  placeholder,
}: {
  form: FormLike;
  name: string;
  label: string;
  hint?: ReactNode;
  options: Array<{ value: string; label: string }>;
  placeholder?: string;
}) {
  return (
    <Field label={label} error={form.errorFor(name)} hint={hint}>
      {(a11y) => (
        <select {...a11y} name={name} value={String(form.values[name] ?? '')} onChange={(e) => form.set(name, e.target.value)} onBlur={() => form.touch(name)}>
          {placeholder !== undefined ? <option value="">{placeholder}</option> : null}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export type { FormLike };
