import { describe, expect, it } from 'vitest';
import { grid, smaCross } from '@/testing/fixtures';
import { z } from 'zod';
import { collectParams, crossRules, paramDefaults, paramFields, paramValues, rawParamsZod } from './json-schema';
import { zodFieldErrors } from './form';

describe('JSON schema parameter forms', () => {
  it('describes fields with kind, range and label', () => {
    expect(paramFields(grid.params_schema).map((f) => [f.name, f.kind])).toEqual([
      ['lower', 'number'],
      ['upper', 'number'],
      ['levels', 'integer'],
      ['spacing', 'enum'],
      ['rebalance', 'boolean'],
    ]);
    expect(paramFields(smaCross.params_schema)[0]).toMatchObject({ label: 'Fast', min: 2, max: 200, step: 1, required: true });
  });

  it('starts from the schema defaults as raw input values', () => {
    expect(paramDefaults(grid.params_schema, 'params.')).toEqual({
      'params.lower': '50000',
      'params.upper': '70000',
      'params.levels': '10',
      'params.spacing': 'arithmetic',
      'params.rebalance': false,
    });
  });

  it("turns a bot's saved params into raw input values, defaults filling the gaps", () => {
    expect(paramValues(grid.params_schema, { lower: 100.5, levels: 4, spacing: 'geometric', rebalance: true, legacy: 1 }, 'params.')).toEqual({
      'params.lower': '100.5',
      'params.upper': '70000',
      'params.levels': '4',
      'params.spacing': 'geometric',
      'params.rebalance': true,
    });
  });

  it('parses valid raw values into typed params', () => {
    const schema = rawParamsZod(grid.params_schema);
    const parsed = schema.parse({ lower: '100.5', upper: '200', levels: '5', spacing: 'geometric', rebalance: true });
    expect(collectParams(grid.params_schema, parsed)).toEqual({ lower: 100.5, upper: 200, levels: 5, spacing: 'geometric', rebalance: true });
  });

  it('reports range, integer, type and required errors per field', () => {
    const result = rawParamsZod(smaCross.params_schema, 'params.').safeParse({ 'params.fast': '1', 'params.slow': '2.5' });
    expect(result.success).toBe(false);
    expect(zodFieldErrors(result.error!)).toEqual({ 'params.fast': 'Must be at least 2', 'params.slow': 'Must be a whole number' });

    const empty = rawParamsZod(smaCross.params_schema).safeParse({ fast: '', slow: 'abc' });
    expect(zodFieldErrors(empty.error!)).toEqual({ fast: 'Required', slow: 'Must be a number' });

    const gridErr = rawParamsZod(grid.params_schema).safeParse({ lower: '0', upper: '1', levels: '500', spacing: 'zigzag', rebalance: false });
    expect(zodFieldErrors(gridErr.error!)).toEqual({
      lower: 'Must be greater than 0',
      levels: 'Must be at most 100',
      spacing: 'Choose a value',
    });
  });
});

describe('cross-field rules', () => {
  const schema = {
    type: 'object' as const,
    properties: { fast: { type: 'integer' as const, default: 10 }, slow: { type: 'integer' as const, default: 30 } },
    'x-rules': [{ field: 'fast', less_than: 'slow' }],
  };

  it('puts "fast must be smaller than slow" on both fields, even while another field is invalid', () => {
    const parsed = rawParamsZod(schema, 'p.').safeParse({ 'p.fast': '40', 'p.slow': '30' });
    expect(parsed.success).toBe(false);
    const messages = parsed.error!.issues.map((i) => `${i.path.join('')}: ${i.message}`);
    expect(messages).toEqual(['p.fast: Must be smaller than Slow', 'p.slow: Must be larger than Fast']);
    const withName = z
      .object({ name: z.string().min(1), ...rawParamsZod(schema, 'p.').shape })
      .superRefine(...crossRules(schema, 'p.'));
    const issues = withName.safeParse({ name: '', 'p.fast': '40', 'p.slow': '30' }).error!.issues.map((i) => i.path.join(''));
    expect(issues).toEqual(['name', 'p.fast', 'p.slow']);
    expect(rawParamsZod(schema, 'p.').safeParse({ 'p.fast': '5', 'p.slow': '30' }).success).toBe(true);
  });
});
