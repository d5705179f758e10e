import { describe, expect, it } from 'vitest';
import type { Trial } from '../types';
import { heatColour, heatInk, heatmapGrid } from './heatmap';

const trial = (id: number, fast: number, slow: number, score: number | null, extra: Record<string, number> = {}): Trial => ({
  id, point: { fast, slow, ...extra }, params: { fast, slow }, risk: {}, state: score === null ? 'no_score' : 'complete', score, in_sample: {},
});

describe('heatmapGrid', () => {
  it('has one cell per value pair, rows and columns sorted, holding the best score there', () => {
    const g = heatmapGrid(
      [trial(0, 10, 30, 1), trial(1, 5, 30, 2), trial(2, 10, 30, 3, { sl: 2 }), trial(3, 5, 20, null), trial(4, 10, 20, -1)],
      'fast',
      'slow',
    );
    expect(g.xs).toEqual([5, 10]);
    expect(g.ys).toEqual([20, 30]);
    expect(g.cells).toEqual([
      { x: 5, y: 20, value: null, trial: null },
      { x: 10, y: 20, value: -1, trial: 4 },
      { x: 5, y: 30, value: 2, trial: 1 },
      { x: 10, y: 30, value: 3, trial: 2 },
    ]);
    expect([g.min, g.max]).toEqual([-1, 3]);
  });

  it('leaves a pair never sampled as an empty cell', () => {
    const g = heatmapGrid([trial(0, 5, 20, 1), trial(1, 10, 30, 2)], 'fast', 'slow');
    expect(g.cells.filter((c) => c.value === null)).toHaveLength(2);
  });
});

describe('heatColour', () => {
  it('runs from the dark end at the minimum to the bright end at the maximum', () => {
    expect(heatColour(0, 0, 10)).toBe('rgb(68, 1, 84)');
    expect(heatColour(10, 0, 10)).toBe('rgb(253, 231, 37)');
    expect(heatColour(5, 0, 10)).toBe('rgb(33, 145, 140)');
    expect(heatColour(7, 7, 7)).toBe('rgb(33, 145, 140)');
  });
});

describe('heatInk', () => {
  it('writes white on the dark end and black on the bright end, for contrast', () => {
    expect(heatInk(heatColour(0, 0, 1))).toBe('#fff');
    expect(heatInk(heatColour(1, 0, 1))).toBe('#000');
    expect(heatInk(heatColour(0.5, 0, 1))).toBe('#000');
  });
});
