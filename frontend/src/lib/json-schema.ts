import { z } from 'zod';
import { enumLabel } from './enum-labels';

/** The subset of JSON schema the strategy catalog uses for its parameters. */
export type JsonSchemaProperty = {
  type?: 'integer' | 'number' | 'string' | 'boolean';
  enum?: Array<string | number>;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  default?: unknown;
  description?: string;
  title?: string;
  /** Readable labels of the enum's values, when the schema gives them. */
  'x-enum-labels'?: Record<string, string>;
};

/** A cross-field rule the server enforces too: `field` must be smaller than `less_than`. */
export type CrossRule = { field: string; less_than: string; message?: string };

export type ObjectSchema = {
  type?: 'object';
  properties?: Record<string, JsonSchemaProperty>;
  required?: string[];
  additionalProperties?: boolean;
  'x-rules'?: CrossRule[];
};

export type ParamField = {
  name: string;
  label: string;
  kind: 'integer' | 'number' | 'string' | 'boolean' | 'enum';
  options: string[];
  /** The options with their readable labels, in the schema's order. */
  choices: Array<{ value: string; label: string }>;
  min?: number;
  max?: number;
  step?: number;
  description?: string;
  required: boolean;
};

const humanize = (name: string) => {
  const s = name.replace(/_/g, ' ').replace(/\bpct\b/i, '%');
  return s.charAt(0).toUpperCase() + s.slice(1);
};

export function paramFields(schema: ObjectSchema): ParamField[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, p]) => {
    const kind: ParamField['kind'] = p.enum ? 'enum' : (p.type ?? 'string');
    return {
      name,
      label: p.title ?? humanize(name),
      kind,
      options: (p.enum ?? []).map(String),
      choices: (p.enum ?? []).map((v) => ({ value: String(v), label: enumLabel(name, String(v), p['x-enum-labels']) })),
      min: p.minimum ?? p.exclusiveMinimum,
      max: p.maximum ?? p.exclusiveMaximum,
      step: p.multipleOf ?? (kind === 'integer' ? 1 : undefined),
      description: p.description,
      // A field with a default can always be filled in; treat it as required so it is never lost.
      required: required.has(name) || p.default !== undefined,
    };
  });
}

/**
 * Raw form values (what inputs hold) for the given params, falling back to the schema's
 * defaults for those not given. Params outside the schema are not form fields and are left out.
 */
export function paramValues(schema: ObjectSchema, params: Record<string, unknown> = {}, prefix = ''): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const [name, p] of Object.entries(schema.properties ?? {})) {
    const key = prefix + name;
    const value = params[name] !== undefined ? params[name] : p.default;
    if (p.type === 'boolean' && !p.enum) out[key] = value === true;
    else out[key] = value === undefined || value === null ? '' : String(value);
  }
  return out;
}

/** Raw form values (what inputs hold) for the schema's defaults. */
export function paramDefaults(schema: ObjectSchema, prefix = ''): Record<string, string | boolean> {
  return paramValues(schema, {}, prefix);
}

function numberSchema(p: JsonSchemaProperty, integer: boolean): z.ZodNumber {
  let n = z.number({ error: 'Must be a number' });
  if (integer) n = n.int({ error: 'Must be a whole number' });
  if (p.minimum !== undefined) n = n.min(p.minimum, { error: `Must be at least ${p.minimum}` });
  if (p.maximum !== undefined) n = n.max(p.maximum, { error: `Must be at most ${p.maximum}` });
  if (p.exclusiveMinimum !== undefined) n = n.gt(p.exclusiveMinimum, { error: `Must be greater than ${p.exclusiveMinimum}` });
  if (p.exclusiveMaximum !== undefined) n = n.lt(p.exclusiveMaximum, { error: `Must be less than ${p.exclusiveMaximum}` });
  if (p.multipleOf !== undefined && !integer) n = n.multipleOf(p.multipleOf, { error: `Must be a multiple of ${p.multipleOf}` });
  return n;
}

function rawFieldSchema(p: JsonSchemaProperty, required: boolean): z.ZodType {
  if (p.enum) {
    const options = p.enum;
    return z
      .string()
      .refine((s) => (s === '' ? !required : options.some((o) => String(o) === s)), {
        error: required ? 'Choose a value' : 'Choose one of the options',
      })
      .transform((s) => (s === '' ? undefined : options.find((o) => String(o) === s)));
  }
  if (p.type === 'boolean') return z.boolean();
  if (p.type === 'integer' || p.type === 'number') {
    const target = numberSchema(p, p.type === 'integer');
    return z
      .string()
      .trim()
      .refine((s) => s !== '' || !required, { error: 'Required' })
      .transform((s) => (s === '' ? undefined : Number(s)))
      .pipe(required ? target : target.optional());
  }
  const str = z.string();
  return required ? str.min(1, { error: 'Required' }) : str.transform((s) => (s === '' ? undefined : s));
}

/**
 * A zod schema over the raw form values of a parameter schema, keyed `${prefix}${name}`,
 * that validates inline and turns the raw strings into the typed values the API expects.
 */
export function rawParamsZod(schema: ObjectSchema, prefix = '') {
  const fields = paramFields(schema);
  const shape: Record<string, z.ZodType> = {};
  for (const f of fields) shape[prefix + f.name] = rawFieldSchema(schema.properties![f.name]!, f.required);
  return z.object(shape).superRefine(...crossRules(schema, prefix));
}

/**
 * The schema's cross-field rules (`x-rules`, e.g. fast < slow) as a superRefine over raw form values, to chain
 * on any object holding the params. It runs even while other fields are invalid (an empty name must not hide
 * "fast must be smaller than slow" while the user types), judging only pairs that parsed as numbers.
 */
export function crossRules(schema: ObjectSchema | undefined, prefix = '') {
  const fields = schema ? paramFields(schema) : [];
  const labels = Object.fromEntries(fields.map((f) => [f.name, f.label]));
  const rules = (schema?.['x-rules'] ?? []).filter((r) => r.field in labels && r.less_than in labels);
  const check = (values: Record<string, unknown>, ctx: z.RefinementCtx) => {
    for (const rule of rules) {
      const small = toNumber(values[prefix + rule.field]);
      const big = toNumber(values[prefix + rule.less_than]);
      if (small === null || big === null || small < big) continue;
      // On both fields: whichever one the user is editing shows why the pair is wrong.
      ctx.addIssue({ code: 'custom', path: [prefix + rule.field], message: `Must be smaller than ${labels[rule.less_than]}` });
      ctx.addIssue({ code: 'custom', path: [prefix + rule.less_than], message: `Must be larger than ${labels[rule.field]}` });
    }
  };
  return [check, { when: () => true }] as const;
}

function toNumber(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** Pick the typed params back out of parsed flat values, dropping empty optional ones. */
export function collectParams(schema: ObjectSchema, parsed: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(schema.properties ?? {})) {
    const v = parsed[prefix + name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}
