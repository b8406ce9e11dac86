/**
 * A real Bun release from the real npm registry (network needed; allowed here
 * and in CI). Bun 1.4.4 is @oven/bun-linux-x64@1.4.4 on this machine type:
 * a 52,418,437-byte tarball holding a 107 MB binary.
 *
 * Set BUNSEAL_TEST_BUN_CACHE to a folder that outlives the run (a CI cache
 * path) to download it once rather than on every run; the test then only
 * checks the cached copy. Without it, a temp folder is used and removed.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchBun } from "../../src/runtime/fetch-bun.ts";
import { resolveBun } from "../../src/runtime/bun-runtime.ts";
import { platformPackage } from "../../src/runtime/platform.ts";
import { rejection } from "../helpers/expect-error.ts";
import { deadRegistry } from "./fake-registry.ts";

const OLDER = "1.4.4";
const NPMJS = "https://registry.npmjs.org";
const shared = process.env.BUNSEAL_TEST_BUN_CACHE;
let cacheDir: string;

beforeAll(async () => {
  cacheDir = shared || (await mkdtemp(join(tmpdir(), "bunseal-bun-npm-")));
});
afterAll(async () => {
  if (!shared) await rm(cacheDir, { recursive: true, force: true });
});

test(`fetches Bun ${OLDER} from npm, and it runs and reports ${OLDER}`, async () => {
  const messages: string[] = [];
  const started = performance.now();
  const bun = await fetchBun(OLDER, { cacheDir, registry: NPMJS, onProgress: (m) => messages.push(m) });
  console.log(`fetchBun ${OLDER}: ${((performance.now() - started) / 1000).toFixed(2)}s${messages.length ? ` (${messages.join("; ")})` : " (from the cache)"}`);
  expect(bun.version).toBe(OLDER);
  expect(bun.revision).toMatch(/^[0-9a-f]{40}$/);
  const run = Bun.spawnSync([bun.path, "-e", "console.log(Bun.version)"]);
  expect(run.stdout.toString().trim()).toBe(OLDER);
}, 300_000);

test("a second call comes from the cache, with the registry unreachable", async () => {
  const started = performance.now();
  const bun = await fetchBun(OLDER, { cacheDir, registry: deadRegistry() });
  const seconds = (performance.now() - started) / 1000;
  console.log(`cached fetchBun ${OLDER}: ${seconds.toFixed(2)}s (re-hash of the binary and probe)`);
  expect(bun.version).toBe(OLDER);
  expect(seconds).toBeLessThan(5);
});

test("resolveBun takes the cached release for an attestation's older version", async () => {
  const bun = await resolveBun(OLDER, { cacheDir, registry: deadRegistry() });
  expect(bun.path).toBe(join(cacheDir, `bun-${OLDER}-${platformPackage().replace("@oven/bun-", "")}`, "bun"));
});

test("a version npm has never published is BUN_VERSION_UNKNOWN naming the package and registry", async () => {
  const error = await rejection(fetchBun("1.4.99", { cacheDir, registry: NPMJS }));
  expect(error.code).toBe("BUN_VERSION_UNKNOWN");
  expect(error.message).toStartWith(`expected Bun 1.4.99 to be published as ${platformPackage()} on ${NPMJS}/, but ${NPMJS}/${platformPackage().replace("/", "%2f")} does not list it (latest is `);
}, 60_000);
