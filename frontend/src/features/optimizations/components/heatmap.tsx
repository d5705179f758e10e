import { useState } from 'react';
import { heatColour, heatInk, heatmapGrid } from '../lib/heatmap';
import { formatNumber } from '../lib/trials';
import type { Trial } from '../types';

/**
 * The objective over two chosen numeric parameters as a grid of coloured cells (a table, so a screen reader
 * reads each value with its row and column); the best score of each pair, none where no trial scored.
 */
export function Heatmap({ trials, axes, objective, onChoose }: { trials: Trial[]; axes: string[]; objective: string; onChoose?: (trial: number) => void }) {
  const [x, setX] = useState(axes[0] ?? '');
  const [y, setY] = useState(axes[1] ?? axes[0] ?? '');
  if (axes.length < 2) return <p className="muted">A heatmap needs two numeric parameters searched over more than one value.</p>;
  const grid = heatmapGrid(trials, x, y);
  const { min, max } = grid;
  const dense = grid.xs.length > 14;
  const byPair = new Map(grid.cells.map((c) => [`${c.x}|${c.y}`, c]));
  return (
    <div className="heatmap">
      <div className="grid-fields">
        <AxisSelect label="Columns (x)" value={x} axes={axes} onChange={setX} />
        <AxisSelect label="Rows (y)" value={y} axes={axes} onChange={setY} />
      </div>
      {x === y ? <p className="muted">Choose two different parameters to see how they interact.</p> : null}
      <div className="heatmap-scroll">
        <table className="heatmap-grid" aria-label={`Heatmap of ${objective} by ${x} and ${y}`}>
          <thead>
            <tr>
              <th scope="col">
                {y} \ {x}
              </th>
              {grid.xs.map((v) => (
                <th key={v} scope="col">
                  {v}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {[...grid.ys].reverse().map((yv) => (
              <tr key={yv}>
                <th scope="row">{yv}</th>
                {grid.xs.map((xv) => {
                  const cell = byPair.get(`${xv}|${yv}`)!;
                  const text = cell.value === null ? 'no score' : formatNumber(cell.value, 2);
                  const label = `${x} ${xv}, ${y} ${yv}: ${objective} ${text}`;
                  const colour = cell.value !== null && min !== null && max !== null ? heatColour(cell.value, min, max) : null;
                  const style = colour ? { background: colour, color: heatInk(colour) } : undefined;
                  return (
                    <td key={xv} className={cell.value === null ? 'heat-empty' : 'heat-cell'} style={style} title={label} data-value={cell.value ?? ''}>
                      {cell.trial !== null && onChoose ? (
                        <button type="button" aria-label={label} onClick={() => onChoose(cell.trial!)} className={dense ? 'heat-dense' : undefined}>
                          {dense ? '' : text}
                        </button>
                      ) : (
                        <>
                          <span className="sr-only">{label}</span>
                          {dense ? null : <span aria-hidden="true">{cell.value === null ? '·' : text}</span>}
                        </>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {min !== null && max !== null ? (
        <div className="heat-legend" aria-label={`Colour scale: ${formatNumber(min, 2)} (dark) to ${formatNumber(max, 2)} (bright)`}>
          <span>{formatNumber(min, 2)}</span>
          <span className="heat-ramp" aria-hidden="true" style={{ background: `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((t) => heatColour(t, 0, 1)).join(', ')})` }} />
          <span>{formatNumber(max, 2)}</span>
        </div>
      ) : null}
    </div>
  );
}

function AxisSelect({ label, value, axes, onChange }: { label: string; value: string; axes: string[]; onChange: (v: string) => void }) {
  return (
    <div className="field">
      <label>
        {label}
        <select value={value} onChange={(e) => onChange(e.target.value)}>
          {axes.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
