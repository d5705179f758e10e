import { describe, expect, it } from 'vitest';
import type { Trial } from '../types';
import { numericAxes, sortTrials } from './trials';

const t = (id: number, fast: number, score: number | null, ret: number | null): Trial => ({
  id, point: { fast, kind: 'a' }, params: {}, risk: {}, state: score === null ? 'no_score' : 'complete', score, in_sample: ret === null ? null : { total_return_pct: ret },
});
const trials = [t(0, 10, 1.5, 4), t(1, 5, null, null), t(2, 20, 2.5, -3), t(3, 15, 0.5, 12)];

describe('sortTrials', () => {
  it('sorts by score either way, trials without a score last both ways', () => {
    expect(sortTrials(trials, 'score', 'desc').map((x) => x.id)).toEqual([2, 0, 3, 1]);
    expect(sortTrials(trials, 'score', 'asc').map((x) => x.id)).toEqual([3, 0, 2, 1]);
  });
  it('sorts by a parameter and by an in-sample metric', () => {
    expect(sortTrials(trials, 'param:fast', 'asc').map((x) => x.id)).toEqual([1, 0, 3, 2]);
    expect(sortTrials(trials, 'metric:total_return_pct', 'desc').map((x) => x.id)).toEqual([3, 0, 2, 1]);
  });
  it('does not reorder the array it was given', () => {
    sortTrials(trials, 'id', 'desc');
    expect(trials.map((x) => x.id)).toEqual([0, 1, 2, 3]);
  });
});

describe('numericAxes', () => {
  it('keeps the numeric parameters that vary', () => {
    expect(numericAxes(trials)).toEqual(['fast']);
  });
});
