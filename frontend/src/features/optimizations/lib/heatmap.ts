import type { Trial } from '../types';

export type HeatCell = { x: number; y: number; value: number | null; trial: number | null };
export type HeatGrid = { xs: number[]; ys: number[]; cells: HeatCell[]; min: number | null; max: number | null };

const sortedUnique = (vs: number[]) => [...new Set(vs)].sort((a, b) => a - b);

/**
 * The objective over two parameters: one cell per (x, y) value pair seen, holding the best score of the
 * trials there (the other searched parameters vary, so a cell shows what that pair can reach at best);
 * a pair whose trials have no score is a cell with no value.
 */
export function heatmapGrid(trials: Trial[], xParam: string, yParam: string): HeatGrid {
  const at = trials.filter((t) => typeof t.point[xParam] === 'number' && typeof t.point[yParam] === 'number');
  const xs = sortedUnique(at.map((t) => t.point[xParam] as number));
  const ys = sortedUnique(at.map((t) => t.point[yParam] as number));
  const best = new Map<string, HeatCell>();
  for (const t of at) {
    const x = t.point[xParam] as number;
    const y = t.point[yParam] as number;
    const k = `${x}|${y}`;
    const cur = best.get(k);
    if (!cur) best.set(k, { x, y, value: t.score, trial: t.score === null ? null : t.id });
    else if (t.score !== null && (cur.value === null || t.score > cur.value)) best.set(k, { x, y, value: t.score, trial: t.id });
  }
  const cells = ys.flatMap((y) => xs.map((x) => best.get(`${x}|${y}`) ?? { x, y, value: null, trial: null }));
  const values = cells.map((c) => c.value).filter((v): v is number => v !== null);
  return { xs, ys, cells, min: values.length ? Math.min(...values) : null, max: values.length ? Math.max(...values) : null };
}

// A perceptually ordered ramp (viridis' ends and middle): readable on the dark theme, and for colour blindness.
const RAMP: Array<[number, number, number]> = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** The colour of a value within [min, max]; one value alone is the ramp's middle. */
export function heatColour(value: number, min: number, max: number): string {
  const t = max > min ? Math.min(1, Math.max(0, (value - min) / (max - min))) : 0.5;
  const pos = t * (RAMP.length - 1);
  const i = Math.min(Math.floor(pos), RAMP.length - 2);
  const f = pos - i;
  const [a, b] = [RAMP[i]!, RAMP[i + 1]!];
  const c = a.map((v, k) => Math.round(v + (b[k]! - v) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** Black or white, whichever reads better (WCAG contrast) on a colour of `heatColour`. */
export function heatInk(background: string): '#000' | '#fff' {
  const [r, g, b] = (background.match(/\d+/g) ?? ['0', '0', '0']).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? '#000' : '#fff';
}
