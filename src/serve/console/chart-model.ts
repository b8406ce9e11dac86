/**
 * Where a runtime figure's points and its budget line go in the console's
 * chart: a pure function of the values, shared by the page that draws the SVG
 * and the test that checks it. Points are evenly spaced, oldest on the left;
 * the scale runs from 0 to a tenth above the highest value or budget, so a
 * budget line is always inside the chart.
 */

export const CHART = { width: 640, height: 180, left: 56, right: 16, top: 12, bottom: 24 } as const;

export interface ChartInput {
  /** null: this measurement has no such figure (a CLI has no latency): its slot stays, unmarked */
  value: number | null;
  regression: boolean;
  label: string;
}

export interface ChartPoint {
  x: number;
  y: number;
  value: number;
  regression: boolean;
  label: string;
}

export interface ChartModel {
  points: ChartPoint[];
  budget: { y: number; value: number } | null;
  /** the value at the top of the plot */
  top: number;
}

const round = (n: number) => Math.round(n * 10) / 10;

export function chartModel(inputs: readonly ChartInput[], budget: number | undefined): ChartModel {
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  const highest = Math.max(0, budget ?? 0, ...inputs.flatMap((p) => (p.value === null ? [] : [p.value])));
  const top = highest > 0 ? highest * 1.1 : 1;
  const x = (i: number) => round(inputs.length === 1 ? CHART.left + plotWidth / 2 : CHART.left + (plotWidth * i) / (inputs.length - 1));
  const y = (v: number) => round(CHART.top + plotHeight * (1 - v / top));
  const points = inputs.flatMap((p, i) => (p.value === null ? [] : [{ x: x(i), y: y(p.value), value: p.value, regression: p.regression, label: p.label }]));
  return { points, budget: budget === undefined ? null : { y: y(budget), value: budget }, top };
}
