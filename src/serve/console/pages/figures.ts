/**
 * A service's runtime figures across its releases and pins (issue 22 item 6):
 * one SVG chart per figure, drawn here from the API's numbers (no external
 * asset, no inline style: the CSP stays as strict as before), the budget as
 * a dashed line, a regression as a red ring; a table below says the same in
 * words.
 */
import type { FigurePoint, ServiceFigures } from "../../figures.ts";
import { getJson, seg } from "../api.ts";
import { CHART, chartModel } from "../chart-model.ts";
import { badge, h, link, svg, table, time } from "../dom.ts";
import { artifactPath } from "./common.ts";

export const figuresPath = (service: string) => `/services/${seg(service)}/figures`;

const FIGURES = [
  { key: "coldStartP95Ms", budget: "coldStartP95Ms", title: "Cold start, p95", unit: "ms", pick: (p: FigurePoint) => p.coldStartP95Ms },
  { key: "rssMb", budget: "rssMb", title: "Peak memory", unit: "MiB", pick: (p: FigurePoint) => p.peakRssMb },
  { key: "latencyP95Ms", budget: "latencyP95Ms", title: "Latency under load, p95", unit: "ms", pick: (p: FigurePoint) => p.latencyP95Ms },
] as const;

const label = (p: FigurePoint) => `${p.name} (${p.digest.slice(0, 12)}), ${p.measuredAt}${p.pins.length ? `, pinned ${p.pins.map((x) => `#${x.sequence} in ${x.env}`).join(", ")}` : ""}`;

export async function figuresPage(service: string): Promise<Node[]> {
  const f = await getJson<ServiceFigures>(`/api/figures?service=${seg(service)}`);
  const notDrawn = f.unverified > 0 ? [h("p", { class: "warn" }, `${f.unverified} stored measurement(s) did not verify and are not drawn.`)] : [];
  if (f.points.length === 0) return [h("h1", {}, service, ": runtime figures"), h("p", { class: "muted" }, `No verified measurement of ${service} yet (bunseal measure ARTIFACT --store).`), ...notDrawn];
  return [
    h("h1", {}, service, ": runtime figures"),
    h("p", { class: "muted" }, "Each verified measurement, oldest on the left; the dashed line is the budget, a red ring a figure over budget or regressed."),
    ...notDrawn,
    ...FIGURES.map((figure) => chart(f, figure)),
    table(
      "Measurements, oldest first",
      ["Artifact", "Measured", "Cold start p95", "Peak memory", "Latency p95", "Verdict", "Pinned"],
      f.points.map((p) => [
        link(artifactPath(p.digest), p.name),
        time(p.measuredAt),
        p.coldStartP95Ms === null ? "—" : `${p.coldStartP95Ms.toFixed(0)} ms`,
        p.peakRssMb === null ? "—" : `${p.peakRssMb.toFixed(1)} MiB`,
        p.latencyP95Ms === null ? "—" : `${p.latencyP95Ms.toFixed(1)} ms`,
        p.passed ? badge("within budgets", "ok") : badge(`over: ${p.regressions.join(", ") || "failed"}`, "bad"),
        p.pins.map((x) => `#${x.sequence} ${x.env}`).join(", ") || "—",
      ]),
      { class: "figures" },
    ),
  ];
}

function chart(f: ServiceFigures, figure: (typeof FIGURES)[number]): Node {
  const budget = f.budgets[figure.budget];
  const model = chartModel(
    f.points.map((p) => ({ value: figure.pick(p), regression: p.regressions.includes(figure.key), label: label(p) })),
    budget,
  );
  const bottom = CHART.height - CHART.bottom;
  const right = CHART.width - CHART.right;
  const described = `${figure.title} of ${f.service} over ${model.points.length} measurement(s)${budget === undefined ? "" : `, budget ${budget} ${figure.unit}`}`;
  return h(
    "figure",
    { class: "chart" },
    h("figcaption", {}, `${figure.title} (${figure.unit})`, budget === undefined ? null : h("span", { class: "muted" }, ` · budget ${budget} ${figure.unit}`)),
    svg(
      "svg",
      { viewBox: `0 0 ${CHART.width} ${CHART.height}`, role: "img", "aria-label": described, "data-figure": figure.key, class: "chart-svg" },
      svg("line", { class: "axis", x1: CHART.left, y1: bottom, x2: right, y2: bottom }),
      svg("line", { class: "axis", x1: CHART.left, y1: CHART.top, x2: CHART.left, y2: bottom }),
      svg("text", { class: "tick", x: CHART.left - 6, y: CHART.top + 4, "text-anchor": "end" }, formatValue(model.top)),
      svg("text", { class: "tick", x: CHART.left - 6, y: bottom, "text-anchor": "end" }, "0"),
      model.budget ? svg("line", { class: "budget", x1: CHART.left, y1: model.budget.y, x2: right, y2: model.budget.y }, svg("title", {}, `budget ${model.budget.value} ${figure.unit}`)) : null,
      model.points.length > 1 ? svg("polyline", { class: "series", points: model.points.map((p) => `${p.x},${p.y}`).join(" ") }) : null,
      ...model.points.map((p) => svg("circle", { class: p.regression ? "point regression" : "point", cx: p.x, cy: p.y, r: p.regression ? 6 : 4 }, svg("title", {}, `${formatValue(p.value)} ${figure.unit}: ${p.label}${p.regression ? " (over budget or regressed)" : ""}`))),
    ),
  );
}

function formatValue(v: number): string {
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}
