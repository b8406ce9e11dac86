/**
 * The README's screenshots of the console, run by hand (not by the suite):
 *
 *   bun test/serve/screenshots.ts
 *
 * Builds and signs the example service, pins it in staging and prod in a fresh
 * SQLite store, serves it, and writes
 * docs/console-{search,artifact,drop,environments,timeline}.png from headless chromium.
 */
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import { startConsole } from "../../src/serve/server.ts";
import { openStore } from "../../src/store/open-store.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { buildArtifact, CHROMIUM, importAndPin } from "./fixture.ts";

const built = await buildArtifact();
try {
  const spec = `sqlite:${join(built.work.path, "store.db")}`;
  await importAndPin(built, spec, "staging");
  await importAndPin(built, spec, "prod");
  const store = await openStore(spec);
  const web = await startConsole({ store, hostname: "127.0.0.1", port: 0 });
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--headless=new"] });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 820 });
    const shot = async (path: string, name: string, ready: string) => {
      await page.goto(new URL(path, web.url).href, { waitUntil: "networkidle0" });
      await page.waitForFunction((t: string) => (globalThis as unknown as { document: { body: { textContent: string } } }).document.body.textContent.includes(t), { timeout: 15_000 }, ready);
      await page.screenshot({ path: join(REPO_ROOT, "docs", `console-${name}.png`), fullPage: name !== "artifact" });
      process.stdout.write(`docs/console-${name}.png\n`);
    };
    await shot("/", "search", "Newest artifacts");
    await shot(`/artifacts/sha256:${built.digest}`, "artifact", "The attestation verifies");
    const inner = new Bun.CryptoHasher("sha256").update(await Bun.file(built.innerFile).bytes()).digest("hex");
    await shot(`/search?q=sha256:${inner}&file=index.js`, "drop", "is a file in");
    await shot("/environments", "environments", "What runs now");
    const service = (await store.getArtifact(built.digest))!.service;
    await shot(`/environments/${service}/prod`, "timeline", "running now");
  } finally {
    await browser.close();
    await web.stop();
    await store.close();
  }
} finally {
  await built.cleanup();
}
process.exit(0);
