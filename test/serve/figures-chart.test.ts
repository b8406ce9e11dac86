/**
 * The console's runtime figures (issue 22 item 6): the chart's geometry as a
 * pure model, and the page in a real browser (Debian's chromium) drawing a
 * service's stored, signed measurements as SVG under the console's CSP, with
 * the budget as a line and a regression marked; a measurement that does not
 * verify is counted, not drawn.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { basename, join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { handleApi } from "../../src/serve/api.ts";
import { CHART, chartModel } from "../../src/serve/console/chart-model.ts";
import type { ServiceFigures } from "../../src/serve/figures.ts";
import { startConsole, type Console } from "../../src/serve/server.ts";
import { loadPrivateKey } from "../../src/sign/keys.ts";
import { keySigner } from "../../src/sign/signer.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";
import { runCli } from "../helpers/cli.ts";
import { signedMeasurement } from "../helpers/measurements.ts";
import { buildArtifact, CHROMIUM, importAndPin, type BuiltArtifact } from "./fixture.ts";

setDefaultTimeout(120_000);

describe("the chart model", () => {
  test("spaces points evenly, scales 0 to a tenth above the highest value or budget, and keeps a missing value's slot", () => {
    const model = chartModel(
      [
        { value: 100, regression: false, label: "a" },
        { value: null, regression: false, label: "b" },
        { value: 160, regression: true, label: "c" },
      ],
      250,
    );
    expect(model.top).toBeCloseTo(275);
    // plot: x 56..624, y 12..156 (180 high, 12 above, 24 below)
    expect(model.points.map((p) => [p.x, p.y, p.regression])).toEqual([
      [56, 103.6, false],
      [624, 72.2, true],
    ]);
    expect(model.budget).toEqual({ y: 25.1, value: 250 });
    expect(chartModel([{ value: 5, regression: false, label: "one" }], undefined)).toEqual({ points: [{ x: CHART.left + (CHART.width - CHART.left - CHART.right) / 2, y: 25.1, value: 5, regression: false, label: "one" }], budget: null, top: 5.5 });
  });
});

describe("the figures page", () => {
  let built: BuiltArtifact;
  let store: Store;
  let web: Console;
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    built = await buildArtifact();
    const spec = `sqlite:${join(built.work.path, "store.db")}`;
    await runCli(["keygen", "--out", join(built.work.path, "stranger")]);
    const signer = keySigner(await loadPrivateKey(built.key));
    const stranger = keySigner(await loadPrivateKey(join(built.work.path, "stranger", "bunseal.key")));
    const subject = { name: basename(built.bundle).replace(/\.sigstore\.json$/, ""), digest: built.digest };
    store = await openStore(spec);
    const shape = { service: "example-service" };
    await store.recordMeasurement(await signedMeasurement(subject, { ...shape, scale: 1, measuredAt: "2026-03-02T10:00:00.000Z" }, signer));
    await store.recordMeasurement(await signedMeasurement(subject, { ...shape, scale: 1.6, passed: false, measuredAt: "2026-03-02T11:00:00.000Z" }, signer));
    await store.recordMeasurement(await signedMeasurement(subject, { ...shape, scale: 1.25, measuredAt: "2026-03-02T12:00:00.000Z" }, signer));
    // signed by a key that is not the artifact's signer: counted, not drawn
    await store.recordMeasurement(await signedMeasurement(subject, { ...shape, scale: 0.1, measuredAt: "2026-03-02T13:00:00.000Z" }, stranger));
    // pinned after: the pin rests on these measurements (the newest that verifies, 12:00, passed)
    await store.close();
    await importAndPin(built, spec, "prod", { measure: false });
    store = await openStore(spec);
    web = await startConsole({ store, hostname: "127.0.0.1", port: 0 });
    browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--headless=new"] });
    page = await browser.newPage();
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    page.on("request", (r) => requests.push(r.url()));
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await store?.close();
    await built?.cleanup();
  });

  test("the API lists the verified measurements oldest first, with the budgets, regressions and pins", async () => {
    const { status, body } = await handleApi(store, new URL("http://console/api/figures?service=example-service"));
    expect(status).toBe(200);
    const f = body as ServiceFigures;
    expect(f.unverified).toBe(1);
    expect(f.points.map((p) => [p.measuredAt, p.coldStartP95Ms, p.passed, p.regressions])).toEqual([
      ["2026-03-02T10:00:00.000Z", 100, true, []],
      ["2026-03-02T11:00:00.000Z", 160, false, ["coldStartP95Ms"]],
      ["2026-03-02T12:00:00.000Z", 125, true, []],
    ]);
    expect(f.points[0]!.pins).toEqual([{ env: "prod", sequence: 1 }]);
    expect(f.budgets).toMatchObject({ coldStartP95Ms: 250, rssMb: 128, latencyP95Ms: 20 });
  });

  test("draws each figure as SVG: the points where the model puts them, the budget as a line, the regression ringed", async () => {
    await page.goto(new URL("/services/example-service/figures", web.url).href, { waitUntil: "networkidle0" });
    await page.waitForSelector('svg[data-figure="coldStartP95Ms"]', { timeout: 15_000 });
    type El = { getAttribute(n: string): string | null; getAttribute(n: string): string | null };
    const read = (figure: string) =>
      page.$eval(`svg[data-figure="${figure}"]`, (s) => {
        const el = s as unknown as { querySelector(q: string): El | null; querySelectorAll(q: string): ArrayLike<El> };
        const all = (q: string) => Array.from(el.querySelectorAll(q));
        return {
          polyline: el.querySelector("polyline.series")?.getAttribute("points") ?? null,
          circles: all("circle").map((c) => [Number(c.getAttribute("cx")), Number(c.getAttribute("cy")), c.getAttribute("class")]),
          budget: el.querySelector("line.budget")?.getAttribute("y1") ?? null,
        };
      });
    const cold = await read("coldStartP95Ms");
    const expected = chartModel([100, 160, 125].map((value, i) => ({ value, regression: i === 1, label: "" })), 250);
    expect(cold.polyline).toBe("56,103.6 340,72.2 624,90.5");
    expect(cold.polyline).toBe(expected.points.map((p) => `${p.x},${p.y}`).join(" "));
    expect(cold.circles).toEqual([
      [56, 103.6, "point"],
      [340, 72.2, "point regression"],
      [624, 90.5, "point"],
    ]);
    expect(Number(cold.budget)).toBe(expected.budget!.y);
    // memory: 60, 96, 75 MiB peaks under a 128 MiB budget; the regression was the cold start's, so nothing ringed
    const memory = await read("rssMb");
    const memoryModel = chartModel([60, 60 * 1.6, 60 * 1.25].map((value) => ({ value, regression: false, label: "" })), 128);
    expect(memory.polyline).toBe(memoryModel.points.map((p) => `${p.x},${p.y}`).join(" "));
    expect(memory.circles.map((c) => c[2])).toEqual(["point", "point", "point"]);
    expect(Number(memory.budget)).toBe(memoryModel.budget!.y);
    expect((await read("latencyP95Ms")).circles).toHaveLength(3);
    const text = await page.$eval("main", (m) => (m as unknown as { innerText: string }).innerText);
    expect(text).toContain("1 stored measurement(s) did not verify and are not drawn.");
    expect(text).toContain("over: coldStartP95Ms");
    // drawn by the console itself: nothing blocked by its CSP, nothing fetched from elsewhere
    expect(violations).toEqual([]);
    expect(requests.every((u) => u.startsWith(web.url.origin))).toBe(true);
  });
});
