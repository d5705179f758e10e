import type { ChartLevel, ChartLine } from '@/components/charts/candle-chart';
import { indicatorLines } from '@/components/charts/chart-legend';
import { formatPrice, type Precision } from '@/lib/format';
import type { BotChart } from '../api/get-bot-chart';

const LEVEL = '#64748b';
const HELD = '#2ebd85';
const SAFETY = '#f5a524';

/** The strategy's declared series as chart lines, one colour each (the legend uses the same colours). */
export function chartLines(chart: BotChart | undefined): ChartLine[] {
  return indicatorLines(chart?.plots);
}

/** Grid levels (a cell holding a lot has its lower level marked "held") and pending DCA safety orders. */
export function chartLevels(chart: BotChart | undefined, p: Precision): ChartLevel[] {
  if (!chart) return [];
  const held = new Set(chart.held_cells);
  const grid = chart.levels.map((price, k) => ({
    price,
    title: held.has(k) ? `grid ${k + 1} · held` : `grid ${k + 1}`,
    color: held.has(k) ? HELD : LEVEL,
  }));
  const safety = chart.safety_orders
    .filter((s) => !s.filled)
    .map((s) => ({ price: s.price, title: `${s.leg.replace('_', ' ')} @ ${formatPrice(s.price, p)}`, color: SAFETY, dashed: true }));
  return [...grid, ...safety];
}
