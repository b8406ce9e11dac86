/**
 * The store's promises across real processes: eight writers at once keep one
 * linear pin history, and a writer killed with SIGKILL at a random moment
 * leaves nothing half-written. Part of storeContract, so both backends run it.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";
import type { StoreHarness } from "./store-contract.ts";
import { artifact, chainPin } from "./records.ts";
import { CHURN_MARKER, CHURN_SERVICE, churnArtifact, ENV, RACE_SERVICE } from "./store-worker.ts";

const WORKER = join(import.meta.dir, "store-worker.ts");
const WRITERS = 8;
const PINS_EACH = 12;
const KILL_ROUNDS = 15;

export function processContract(fresh: () => Promise<Store>, harness: StoreHarness): void {
  test(`${WRITERS} processes pinning and putting at once leave one gapless, chained history`, async () => {
    const store = await fresh();
    const spec = harness.spec(store);
    // All start writing at one moment, after each has started Bun and opened the store, so they truly race.
    const startAt = String(Date.now() + 2500);
    const children = Array.from({ length: WRITERS }, (_, w) => spawn(["race", spec, `w${w}`, String(PINS_EACH), startAt]));
    const results = await Promise.all(children.map(finish));
    for (const result of results) if (result.exitCode !== 0) throw new Error(`a writer exited ${result.exitCode}:\n${result.stderr}`);
    // Some appends must have lost a race and retried, or this proved nothing about races.
    const conflicts = results.reduce((sum, r) => sum + (JSON.parse(r.stdout) as { conflicts: number }).conflicts, 0);
    expect(conflicts).toBeGreaterThan(0);

    const pins = await store.pins({ service: RACE_SERVICE, env: ENV });
    expect(pins.map((p) => p.sequence)).toEqual(Array.from({ length: WRITERS * PINS_EACH }, (_, i) => i + 1));
    pins.forEach((pin, i) => expect(pin.previousDigest).toBe(i === 0 ? null : pins[i - 1]!.digest));
    const tags = Array.from({ length: WRITERS }, (_, w) => Array.from({ length: PINS_EACH }, (_, i) => `race-w${w}-${i}`)).flat();
    expect(new Set(pins.map((p) => p.digest))).toEqual(new Set(tags.map((t) => artifact(t).digest)));
    for (const tag of [...tags, "race-shared"]) {
      expect(await store.getArtifact(artifact(tag).digest)).toEqual(artifact(tag, { files: 20, packages: 50 }));
    }
  }, 120_000);

  test("a writer killed with SIGKILL at random moments leaves only whole artifacts and whole pins", async () => {
    const store = await fresh();
    const spec = harness.spec(store);
    await store.close();
    const committed = new Set<string>();
    let pinsCommitted = 0;
    let interrupted = 0;
    for (let round = 0; round < KILL_ROUNDS; round++) {
      const child = spawn(["churn", spec, `r${round}`]);
      const output = lines(child.stdout);
      await output.waitFor("ready", child);
      await Bun.sleep(10 + Math.random() * 140);
      child.kill("SIGKILL");
      await child.exited;
      const events = await output.rest();
      if (events.at(-1)?.startsWith("begin ")) interrupted++;
      for (const event of events) {
        if (event.startsWith("done put ")) committed.add(event.slice("done put ".length));
        if (event.startsWith("done pin ")) pinsCommitted = Math.max(pinsCommitted, Number(event.slice("done pin ".length)));
      }
      // Reopened after every kill: it must open, and hold everything reported done and nothing partial.
      const after = await openStore(spec);
      try {
        await expectIntact(after, harness, committed, pinsCommitted);
      } finally {
        await after.close();
      }
    }
    // Most kills should have landed inside a write, or the test proves little.
    expect(interrupted).toBeGreaterThanOrEqual(KILL_ROUNDS / 2);
  }, 240_000);
}

async function expectIntact(store: Store, harness: StoreHarness, committed: Set<string>, pinsCommitted: number): Promise<void> {
  const pins = await store.pins({ service: CHURN_SERVICE, env: ENV });
  expect(pins.length).toBeGreaterThanOrEqual(pinsCommitted);
  expect(pins).toEqual(pins.map((_, i) => chainPin(CHURN_SERVICE, ENV, i + 1, 50_000)));
  const found = await store.findByPackage(CHURN_MARKER, "1.0.0");
  const names = new Set(found.map((s) => s.name));
  for (const tag of committed) expect(names.has(tag)).toBe(true);
  for (const summary of found) expect(await store.getArtifact(summary.digest)).toEqual(churnArtifact(summary.name));
  // and, under the interface, no artifact row whose child rows are short of what was put
  const partial = await harness.query(
    store,
    "SELECT digest FROM artifacts a WHERE file_count <> (SELECT COUNT(*) FROM artifact_files f WHERE f.artifact_digest = a.digest) " +
      "OR package_count <> (SELECT COUNT(*) FROM artifact_packages p WHERE p.artifact_digest = a.digest)",
  );
  expect(partial).toEqual([]);
}

function spawn(args: string[]) {
  return Bun.spawn([process.execPath, WORKER, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
}

async function finish(child: ReturnType<typeof spawn>) {
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, exitCode };
}

/** The child's stdout as lines, read as they come. */
function lines(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const split = () => buffer.split("\n").filter((l) => l !== "");
  return {
    async waitFor(line: string, child: ReturnType<typeof spawn>): Promise<void> {
      while (!split().includes(line)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the worker ended before "${line}":\n${await new Response(child.stderr).text()}`);
        buffer += decoder.decode(value, { stream: true });
      }
    },
    async rest(): Promise<string[]> {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return split();
        buffer += decoder.decode(value, { stream: true });
      }
    },
  };
}
