import { describe, expect, it } from 'vitest';
import { equityLine } from './equity';

describe('equityLine', () => {
  it('turns ms into ascending unique seconds and drops points that are not numbers', () => {
    const line = equityLine([
      { time: 1_700_000_060_000, equity: 10_050 },
      { time: 1_700_000_000_000, equity: 10_000 },
      { time: 1_700_000_060_400, equity: 10_060 },
      { time: 1_700_000_120_000, equity: Number.NaN },
    ]);
    expect(line).toEqual([
      { time: 1_700_000_000, value: 10_000 },
      { time: 1_700_000_060, value: 10_060 },
    ]);
  });
});
