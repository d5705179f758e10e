import { ColorType, type DeepPartial, type ChartOptions } from 'lightweight-charts';

export const chartColors = { up: '#2ebd85', down: '#f6465d', line: '#3b82f6', text: '#8b95a5', grid: '#1c2230', bg: '#11151d', drift: '#f0b90b' };

export const baseChartOptions: DeepPartial<ChartOptions> = {
  autoSize: true,
  layout: { background: { type: ColorType.Solid, color: chartColors.bg }, textColor: chartColors.text, attributionLogo: true },
  grid: { vertLines: { color: chartColors.grid }, horzLines: { color: chartColors.grid } },
  rightPriceScale: { borderColor: chartColors.grid },
  timeScale: { borderColor: chartColors.grid, timeVisible: true, secondsVisible: false },
  crosshair: { mode: 0 },
};
