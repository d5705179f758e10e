import { useCallback, useMemo, useState, type FormEvent } from 'react';
import type { z } from 'zod';
import { ApiError } from './api-error';

export type FieldErrors = Record<string, string>;

/** First message per field path ("params.fast"), from a zod error. */
export function zodFieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.');
    out[key] ??= issue.message;
  }
  return out;
}

/** First message per field path, from the server's validation details. */
export function serverFieldErrors(error: unknown): FieldErrors {
  const out: FieldErrors = {};
  if (!(error instanceof ApiError)) return out;
  for (const d of error.fieldErrors) out[d.field] ??= d.message;
  return out;
}

type Values = Record<string, unknown>;

/**
 * Small form state: raw values keyed by flat field names ("risk.stop_loss_pct"), inline
 * validation with a zod schema once a field was touched or the form submitted, and server
 * validation errors shown on the field they name until it is edited.
 */
export function useFormState<V extends Values>(initial: V | (() => V), schema: z.ZodType | ((values: V) => z.ZodType)) {
  const [values, setValues] = useState<V>(initial);
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});

  // The schema may depend on the values (a strategy's params follow the chosen strategy).
  const parsed = useMemo(() => (typeof schema === 'function' ? schema(values) : schema).safeParse(values), [schema, values]);
  const clientErrors = useMemo(() => (parsed.success ? {} : zodFieldErrors(parsed.error)), [parsed]);

  const errorFor = useCallback(
    (name: string): string | undefined =>
      serverErrors[name] ?? (submitted || touched[name] ? clientErrors[name] : undefined),
    [serverErrors, submitted, touched, clientErrors],
  );

  const set = useCallback((name: string, value: unknown) => {
    setValues((v) => ({ ...v, [name]: value }));
    setTouched((t) => ({ ...t, [name]: true }));
    setServerErrors((s) => {
      if (!(name in s)) return s;
      const { [name]: _removed, ...rest } = s;
      return rest;
    });
  }, []);

  const touch = useCallback((name: string) => setTouched((t) => ({ ...t, [name]: true })), []);

  const handleSubmit = useCallback(
    (onValid: (data: unknown) => void) => (event: FormEvent) => {
      event.preventDefault();
      setSubmitted(true);
      if (parsed.success) onValid(parsed.data);
    },
    [parsed],
  );

  /** Back to fresh values after a successful submit: no field touched, no error shown for the empty form. */
  const reset = useCallback((next: V) => {
    setValues(next);
    setTouched({});
    setSubmitted(false);
    setServerErrors({});
  }, []);

  /** Show a failed mutation's field details inline; returns those no field claimed. */
  const applyServerError = useCallback((error: unknown) => setServerErrors(serverFieldErrors(error)), []);

  /** Show messages of the caller's own on fields (until each is edited), like server errors. */
  const showFieldErrors = useCallback((errors: FieldErrors) => setServerErrors(errors), []);

  return { values, setValues, set, touch, reset, errorFor, handleSubmit, applyServerError, showFieldErrors, serverErrors, clientErrors };
}

export type FormState = ReturnType<typeof useFormState>;
