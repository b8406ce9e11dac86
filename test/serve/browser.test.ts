/**
 * The console in a real browser (Debian's chromium, headless, driven by
 * puppeteer-core): search a digest, drop a file, read the matrix, and show a
 * hostile record as text. Every request the page makes is watched: all are
 * GETs without a body, so a dropped file's bytes never leave the browser.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { startConsole, type Console } from "../../src/serve/server.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";
import { artifact } from "../store/records.ts";
import { buildArtifact, CHROMIUM, importAndPin, type BuiltArtifact } from "./fixture.ts";

setDefaultTimeout(120_000);

const HOSTILE = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;

let built: BuiltArtifact;
let store: Store;
let web: Console;
let browser: Browser;
let page: Page;
const requests: { method: string; url: string; body: string | undefined }[] = [];
let hostileDigest: string;

beforeAll(async () => {
  built = await buildArtifact();
  const spec = `sqlite:${join(built.work.path, "store.db")}`;
  await importAndPin(built, spec, "prod");
  await importAndPin(built, spec, "staging");
  store = await openStore(spec);
  // a record whose fields carry markup (the statement's author chose them); its bundle is another artifact's, so it does not verify
  const hostile = artifact("hostile");
  hostileDigest = hostile.digest;
  await store.putArtifact({ ...hostile, name: HOSTILE, service: "hostile", sourceUri: `javascript:alert(1)//${HOSTILE}`, featureFlags: { [HOSTILE]: HOSTILE }, signerPublicKey: await Bun.file(built.pub).text(), bundle: await Bun.file(built.bundle).text() });
  web = await startConsole({ store, hostname: "127.0.0.1", port: 0 });
  browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--headless=new"] });
  page = await browser.newPage();
  page.on("request", (r) => requests.push({ method: r.method(), url: r.url(), body: r.postData() }));
  page.on("dialog", (d) => void d.dismiss());
});
afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await store?.close();
  await built?.cleanup();
});

/** what the tests read of an element in the page (the suite is type-checked without the DOM's types) */
type Shown = { innerText: string; textContent: string | null };
const mainText = () => page.$eval("main", (m) => (m as unknown as Shown).innerText);
const waitForText = (text: string) => page.waitForFunction((t) => (globalThis as unknown as { document: { querySelector(s: string): Shown | null } }).document.querySelector("main")?.textContent?.includes(t), { timeout: 15_000 }, text);

test("searching a digest shows the artifact: provenance, a fresh verification, where it runs, what it ships", async () => {
  await page.goto(web.url.href, { waitUntil: "networkidle0" });
  await page.type("#q", `sha256:${built.digest}`);
  await page.keyboard.press("Enter");
  await waitForText("The attestation verifies");
  const text = await mainText();
  const record = (await store.getArtifact(built.digest))!;
  for (const field of [record.name, record.service, record.commit, record.sourceUri, record.bunVersion, record.lockfileDigest!, record.builderId, "running now", "prod", "staging", "hono", "index.js"]) expect(text).toContain(field);
  expect(new URL(page.url()).pathname).toBe("/search");
  expect(await page.$$eval("table.pins tbody tr", (rows) => rows.length)).toBe(2);
  expect(await page.$eval("table.shipped", (t) => (t as unknown as Shown).innerText)).toContain("4.13.19");
  // how the build's boundary was enforced, from the signed statement that just verified
  expect(await page.$eval("[data-sandbox]", (e) => e.getAttribute("data-sandbox"))).toBe("bubblewrap");
  expect(text).toContain("network off, reads");
});

test("issue 20: at 420 px no table header breaks inside a word; a wide table scrolls instead", async () => {
  await page.setViewport({ width: 420, height: 900 });
  try {
    await page.goto(web.url.href, { waitUntil: "networkidle0" });
    await page.type("#q", `sha256:${built.digest}`);
    await page.keyboard.press("Enter");
    await waitForText("The attestation verifies");
    // each word of each header laid out on one line: a word broken across lines has two boxes
    const broken = await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: any }).document;
      const found: string[] = [];
      for (const th of doc.querySelectorAll("thead th")) {
        const node = th.firstChild;
        if (!node || node.nodeType !== 3) continue;
        const text: string = node.textContent;
        for (const match of text.matchAll(/\S+/g)) {
          const range = doc.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          if (range.getClientRects().length > 1) found.push(match[0]);
        }
      }
      return found;
    });
    expect(broken).toEqual([]);
    expect(await page.$$eval("thead th", (ths) => ths.length)).toBeGreaterThan(3);
    // the page itself does not grow wider than the screen: a wide table scrolls in its own box
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
  } finally {
    await page.setViewport({ width: 800, height: 600 });
  }
});

test("issue 20: 12 hex copied from a pins listing is searched as a digest first, not a commit; times in UTC", async () => {
  await page.goto(web.url.href, { waitUntil: "networkidle0" });
  await page.type("#q", built.digest.slice(0, 12));
  await page.keyboard.press("Enter");
  await waitForText("The attestation verifies");
  const text = await mainText();
  expect(text).toContain((await store.getArtifact(built.digest))!.name);
  expect(text).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  // a package range: the version the store holds matches
  await page.goto(web.url.href, { waitUntil: "networkidle0" });
  await page.type("#q", "hono@<4.14.0");
  await page.keyboard.press("Enter");
  await waitForText("Locked by 1 artifact(s)");
  await page.goto(web.url.href, { waitUntil: "networkidle0" });
  await page.type("#q", "hono@<4.13.0");
  await page.keyboard.press("Enter");
  await waitForText("hono is locked, no version matches <4.13.0 (locked: 4.13.19).");
});

test("a dropped file is hashed in the browser and traced; nothing is uploaded", async () => {
  await page.goto(web.url.href, { waitUntil: "networkidle0" });
  const before = requests.length;
  const input = (await page.$("input[type=file]"))!;
  await input.uploadFile(built.innerFile);
  await waitForText("is a file in 1 artifact(s)");
  const text = await mainText();
  expect(text).toContain("index.js is a file in 1 artifact(s)");
  const inner = new Bun.CryptoHasher("sha256").update(await Bun.file(built.innerFile).bytes()).digest("hex");
  expect(text).toContain(inner);
  const sent = requests.slice(before);
  expect(sent.some((r) => r.url.endsWith(`/api/trace/sha256:${inner}`))).toBe(true);
  const fileText = await Bun.file(built.innerFile).text();
  for (const r of sent) {
    expect(r.method).toBe("GET");
    expect(r.body).toBeUndefined();
    expect(r.url).not.toContain(encodeURIComponent(fileText.slice(0, 40)));
  }
});

test("the environments page shows what runs now, and a timeline per (service, environment)", async () => {
  await page.goto(new URL("/environments", web.url).href, { waitUntil: "networkidle0" });
  await waitForText("What runs now");
  const record = (await store.getArtifact(built.digest))!;
  for (const env of ["prod", "staging"]) expect(await page.$eval(`td[data-env="${env}"]`, (td) => (td as unknown as Shown).innerText)).toContain(record.name);
  await page.click(`td[data-env="prod"] a[href^="/environments/"]`);
  await waitForText("running now");
  expect(await mainText()).toContain(`${record.service} in prod`);
  expect(await page.$$eval("ol.timeline li", (items) => items.length)).toBe(1);
});

test("shows a record's markup as text: no script runs, no element is made from a field", async () => {
  await page.goto(new URL(`/artifacts/sha256:${hostileDigest}`, web.url).href, { waitUntil: "networkidle0" });
  await waitForText("does NOT verify");
  expect(await page.$eval("main h1", (h) => h.textContent)).toBe(HOSTILE);
  expect(await mainText()).toContain(`javascript:alert(1)//${HOSTILE}`);
  expect(await page.$$eval("main img, main script", (found) => found.length)).toBe(0);
  expect(await page.$$eval("main a", (links) => links.map((a) => a.getAttribute("href")).filter((href) => !href?.startsWith("/")))).toEqual([]);
  await page.goto(new URL("/search?q=hostile", web.url).href, { waitUntil: "networkidle0" });
  await waitForText(HOSTILE);
  expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
});

test("every request the console made was a GET without a body", () => {
  expect(requests.length).toBeGreaterThan(10);
  expect(requests.filter((r) => r.method !== "GET" || r.body !== undefined)).toEqual([]);
});
