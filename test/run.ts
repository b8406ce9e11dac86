/**
 * The whole test suite, as CI and the README run it: `bun run test`.
 * Runs `bun test` with its usual output, reads the JUnit report it writes
 * alongside, and ends with the one line CI reads: `N passed, N failed`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "bunseal-junit-"));
const report = join(dir, "junit.xml");
// Tests that need another Bun release share one download for the whole run.
const env = { ...process.env, BUNSEAL_TEST_BUN_CACHE: process.env.BUNSEAL_TEST_BUN_CACHE ?? join(dir, "bun-cache") };
const proc = Bun.spawn([process.execPath, "test", "--reporter=junit", `--reporter-outfile=${report}`, ...process.argv.slice(2)], {
  cwd: join(import.meta.dir, ".."),
  env,
  stdio: ["inherit", "inherit", "inherit"],
});
const exitCode = await proc.exited;

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const xml = await Bun.file(report).text();
  // The root <testsuites> element carries the totals for the whole run.
  const root = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? "";
  const attr = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(root)?.[1] ?? 0);
  const total = attr("tests");
  failed = attr("failures") + attr("errors");
  skipped = attr("skipped");
  passed = total - failed - skipped;
} catch {
  failed = Math.max(failed, 1);
}
rmSync(dir, { recursive: true, force: true });
if (exitCode !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(exitCode === 0 && failed === 0 && passed > 0 ? 0 : 1);
