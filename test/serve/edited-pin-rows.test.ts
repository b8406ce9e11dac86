/**
 * Issue 20, item 9, for the readers that show pin rows rather than decide on
 * them: the console's environment matrix and timeline, `trace`'s list of
 * where an artifact is pinned, and the artifact page built on it. A row whose
 * digest was edited in the database (its bundle still signing another) was
 * shown as "running now" for an artifact never pinned there. Now it is shown,
 * marked as not its signed pin with both digests, and never current; the rest
 * of each page stays. (`pins` and `/api/pins`, the full listing, refuse.)
 * A real pin signed by the CLI, a real SQLite store edited as someone with
 * write access to it would.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import { startConsole, type Console } from "../../src/serve/server.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";
import { runCli } from "../helpers/cli.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { artifact } from "../store/records.ts";
import { buildArtifact, CHROMIUM, importAndPin, type BuiltArtifact } from "./fixture.ts";

setDefaultTimeout(120_000);

let built: BuiltArtifact;
let dir: TestDir;
let spec: string;
let store: Store;
let web: Console;
/** the artifact the edited row names instead: in the store, never pinned anywhere */
const other = artifact("never-pinned");

const get = async (path: string) => {
  const response = await fetch(new URL(path, web.url));
  return { status: response.status, body: (await response.json()) as any };
};

beforeAll(async () => {
  [built, dir] = await Promise.all([buildArtifact(), makeTempDir("bunseal-serve-edited-pins-")]);
  spec = `sqlite:${join(dir.path, "store.db")}`;
  await importAndPin(built, spec, "prod");
  const staging = await runCli(["pin", `sha256:${built.digest}`, "--env", "staging", "--key", built.key, "--pins-dir", join(built.work.path, "pins"), "--store", spec]);
  expect(staging.exitCode).toBe(0);
  store = await openStore(spec);
  await store.putArtifact(other);
  const db = new Database(spec.slice("sqlite:".length));
  try {
    db.run(`UPDATE pins SET digest = '${other.digest}' WHERE env = 'staging' AND sequence = 1`);
  } finally {
    db.close();
  }
  web = await startConsole({ store, hostname: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await web?.stop();
  await store?.close();
  await Promise.all([built?.cleanup(), dir?.cleanup()]);
});

const bothDigests = () => `digest: the row says sha256:${other.digest}, the signed pin says sha256:${built.digest}`;

test("the environment matrix marks an edited newest row and names no artifact for it; the other cells stay", async () => {
  const matrix = await get("/api/environments");
  expect(matrix.status).toBe(200);
  const cell = (env: string) => matrix.body.cells.find((c: any) => c.pin.env === env);
  expect(cell("staging")).toMatchObject({ matchesSignedPin: false, artifact: null, pin: { sequence: 1, digest: other.digest } });
  expect(cell("staging").rowProblems).toEqual([bothDigests()]);
  expect(cell("prod")).toMatchObject({ matchesSignedPin: true, rowProblems: [], pin: { digest: built.digest } });
  expect(cell("prod").artifact).not.toBeNull();
});

test("the timeline never calls an edited row running now", async () => {
  const staging = await get("/api/timeline?service=example-service&env=staging");
  expect(staging.status).toBe(200);
  expect(staging.body.entries).toHaveLength(1);
  expect(staging.body.entries[0]).toMatchObject({ current: false, matchesSignedPin: false, artifact: null, contractChange: null, rowProblems: [bothDigests()] });
  const prod = await get("/api/timeline?service=example-service&env=prod");
  expect(prod.body.entries[0]).toMatchObject({ current: true, matchesSignedPin: true, rowProblems: [] });
});

test("trace of the digest the row was edited to lists that pin, marked, and not current (API, --json and text)", async () => {
  const api = await get(`/api/trace/sha256:${other.digest}`);
  expect(api.status).toBe(200);
  expect(api.body.matches[0].pins).toEqual([expect.objectContaining({ env: "staging", sequence: 1, current: false, matchesSignedPin: false, rowProblems: [bothDigests()] })]);
  const json = await runCli(["trace", `sha256:${other.digest}`, "--store", spec, "--json"]);
  expect(json.json().matches[0].pins).toEqual(api.body.matches[0].pins);
  const text = await runCli(["trace", `sha256:${other.digest}`, "--store", spec]);
  expect(text.stdout).toContain("pinned       staging #1");
  expect(text.stdout).toContain(`this row is NOT its signed pin (edited in the store): ${bothDigests()}`);
  expect(text.stdout).not.toContain("running now");
});

test("trace of the pinned artifact still shows where it runs, through the rows that are their signed pins", async () => {
  const api = await get(`/api/trace/sha256:${built.digest}`);
  expect(api.status).toBe(200);
  expect(api.body.matches[0].pins).toEqual([expect.objectContaining({ env: "prod", sequence: 1, current: true, matchesSignedPin: true, rowProblems: [] })]);
  expect((await runCli(["trace", `sha256:${built.digest}`, "--store", spec])).stdout).toContain("running now");
});

test("/api/pins, the full listing, still refuses the history as pins --json does", async () => {
  const pins = await get("/api/pins?env=staging");
  expect(pins.status).toBe(422);
  expect(pins.body.error.code).toBe("PIN_ROW_INVALID");
  expect(pins.body.error.message).toContain(`the row says sha256:${other.digest}, the signed pin says sha256:${built.digest}`);
});

test("in a browser: the matrix cell, the timeline and the artifact page say 'not its signed pin', never 'running now'", async () => {
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--headless=new"] });
  try {
    const page = await browser.newPage();
    type Shown = { innerText: string };
    const mainText = () => page.$eval("main", (m) => (m as unknown as Shown).innerText);
    const waitFor = (text: string) => page.waitForFunction((t) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector("main")?.textContent?.includes(t), { timeout: 15_000 }, text);
    await page.goto(new URL("/environments", web.url).href, { waitUntil: "networkidle0" });
    await waitFor("What runs now");
    const staging = await page.$eval('td[data-env="staging"]', (td) => (td as unknown as Shown).innerText);
    expect(staging).toContain("not its signed pin");
    expect(staging).toContain(bothDigests());
    expect(staging).not.toContain(other.name);
    const record = (await store.getArtifact(built.digest))!;
    expect(await page.$eval('td[data-env="prod"]', (td) => (td as unknown as Shown).innerText)).toContain(record.name);
    await page.goto(new URL("/environments/example-service/staging", web.url).href, { waitUntil: "networkidle0" });
    await waitFor("changed in the store after it was signed");
    expect(await mainText()).not.toContain("running now");
    await page.goto(new URL(`/artifacts/sha256:${other.digest}`, web.url).href, { waitUntil: "networkidle0" });
    await waitFor("not its signed pin");
    expect(await mainText()).not.toContain("running now");
  } finally {
    await browser.close();
  }
});
