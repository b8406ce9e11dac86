/**
 * The Sigstore conformance corpus (test/fixtures/sigstore-conformance, see its
 * SOURCE.md): every case folder through the real CLI, with the arguments the
 * suite's protocol gives a client, built from the folder as its README says.
 * A passing case must exit 0; a `_fail` case must exit 1 or 2 (never 3, never
 * an internal error), for the reason its README gives (REASONS below).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCli, type CliResult } from "../helpers/cli.ts";
import { CONFORMANCE_CASES as cases, CONFORMANCE_CORPUS as CORPUS, conformanceArgs, REASONS } from "./conformance-cases.ts";

const results = new Map<string, CliResult>();
const asExpected = new Set<string>();

beforeAll(async () => {
  // one process per case, as the suite runs a client; a few at a time to keep the machine responsive
  const queue = [...cases];
  const worker = async () => {
    for (let name = queue.shift(); name; name = queue.shift()) results.set(name, await runCli([...conformanceArgs(name), "--json"]));
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}, 120_000);

afterAll(() => {
  const missed = cases.filter((c) => !asExpected.has(c));
  console.log(`sigstore-conformance bundle-verify: ${asExpected.size} of ${cases.length} cases as expected${missed.length ? ` (missed: ${missed.join(", ")})` : ""}`);
});

test("the corpus is the whole suite: 70 cases, each with a bundle, and a reason for every _fail case", () => {
  expect(cases.length).toBe(70);
  for (const name of cases) expect(existsSync(join(CORPUS, name, "bundle.sigstore.json"))).toBe(true);
  expect(Object.keys(REASONS).sort()).toEqual(cases.filter((c) => c.endsWith("_fail")));
});

describe.each(cases)("%s", (name) => {
  const failing = name.endsWith("_fail");
  test(failing ? "is rejected, for its reason, without an internal error" : "verifies (exit 0)", () => {
    const out = results.get(name)!;
    const shown = `exit ${out.exitCode}\n${out.stdout}\n${out.stderr}`;
    expect(out.stderr, shown).not.toContain("internal error");
    if (!failing) {
      expect(out.exitCode, shown).toBe(0);
      expect(out.json().verified).toBe(true);
    } else {
      expect([1, 2], shown).toContain(out.exitCode);
      const json = out.json();
      const codes: string[] = out.exitCode === 2 ? [json.error.code] : json.failures.map((f: { code: string }) => f.code);
      const reason = REASONS[name]!;
      expect(codes.some((c) => reason.codes.includes(c)), `${reason.why}: expected one of ${reason.codes.join(", ")}\n${shown}`).toBe(true);
      if (reason.mentions) expect(out.stdout).toContain(reason.mentions);
    }
    asExpected.add(name);
  });
});
