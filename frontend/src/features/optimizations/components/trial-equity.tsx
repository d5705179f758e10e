import { useMemo } from 'react';
import { EquityChart, OVERLAY_COLORS, type EquityOverlay } from '@/components/charts/equity-chart';
import { chartColors } from '@/components/charts/theme';
import { equityLine } from '../lib/equity';
import type { TopTrial } from '../types';

/** A top trial's equity on the bars the search saw (filled) and on the held-out bars after them (line). */
export function TrialEquity({ trialId, equity }: { trialId: number; equity: NonNullable<TopTrial['equity']> }) {
  const inSample = useMemo(() => equityLine(equity.in_sample), [equity]);
  // A stable array: the chart re-adds its overlays whenever this identity changes.
  const overlays = useMemo<EquityOverlay[]>(
    () => [{ title: 'out of sample', points: equityLine(equity.out_of_sample), color: OVERLAY_COLORS[0] }],
    [equity],
  );
  return (
    <figure className="opt-equity" data-testid="trial-equity">
      <EquityChart points={inSample} title="in sample" overlays={overlays} label={`Trial ${trialId}: in-sample and out-of-sample equity`} />
      <figcaption className="muted">
        <span className="opt-swatch" style={{ background: chartColors.line }} aria-hidden="true" /> in sample{' '}
        <span className="opt-swatch" style={{ background: OVERLAY_COLORS[0] }} aria-hidden="true" /> out of sample (held-out bars, starting again
        from the initial cash)
      </figcaption>
    </figure>
  );
}
