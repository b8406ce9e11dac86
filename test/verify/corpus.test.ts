/**
 * The golden verify corpus (test/fixtures/attestations, see its README): one
 * table, every case through the library and the real CLI. tamper.test.ts makes
 * its tampering on the fly from a real build; these files are fixed, so any
 * change in the verdict on a known-good or known-bad bundle fails here.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { BunsealError } from "../../src/errors.ts";
import { loadPublicKey } from "../../src/sign/keys.ts";
import { verifyBundle } from "../../src/verify/verify-bundle.ts";
import { runCli } from "../helpers/cli.ts";

const CORPUS = join(import.meta.dir, "..", "fixtures", "attestations");
const KINDS = ["valid", "invalid"] as const;

// Strict, so a typo in expect.json ("expectation", "allow_dirty") fails instead of silently checking less.
const ExpectSchema = z.strictObject({
  exit: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  codes: z.array(z.string()),
  expectations: z
    .strictObject({
      commit: z.string().optional(),
      sourceUri: z.string().optional(),
      service: z.string().optional(),
      schemaVersion: z.string().optional(),
      bunVersion: z.string().optional(),
      allowDirty: z.boolean().optional(),
      allowUnsandboxed: z.boolean().optional(),
    })
    .optional(),
});
type Expect = z.infer<typeof ExpectSchema>;
const FLAGS = { commit: "--commit", sourceUri: "--source-uri", service: "--service", schemaVersion: "--schema-version", bunVersion: "--bun-version" } as const;

interface Case {
  /** the artifact path or `sha256:<hex>` */
  target: string;
  bundle: string;
  key: string;
  expect: Expect;
}

const caseNames = (kind: string) => (existsSync(join(CORPUS, kind)) ? readdirSync(join(CORPUS, kind), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${kind}/${d.name}`) : []);
const cases = KINDS.flatMap(caseNames).sort();
// The README (written by generate.ts) names every case with a one-line description: `- \`invalid/x\`: ...`.
const described = new Map([...readFileSync(join(CORPUS, "README.md"), "utf8").matchAll(/^- `((?:valid|invalid)\/[^`]+)`: (.+)$/gm)].map((m) => [m[1]!, m[2]!]));

/** Reads a case folder; a missing, extra or ambiguous file fails the case rather than shrinking what it checks. */
async function loadCase(name: string): Promise<Case> {
  const dir = join(CORPUS, name);
  const present = readdirSync(dir).sort();
  const targets = present.filter((f) => f === "artifact.tar" || f === "artifact.digest");
  const unexpected = present.filter((f) => !["artifact.tar", "artifact.digest", "bundle.sigstore.json", "key.pub", "expect.json"].includes(f));
  const missing = ["bundle.sigstore.json", "key.pub", "expect.json"].filter((f) => !present.includes(f));
  if (targets.length !== 1) missing.push("exactly one of artifact.tar or artifact.digest");
  if (missing.length > 0 || unexpected.length > 0) throw new Error(`${name}: expected a complete case folder; missing ${missing.join(", ") || "nothing"}, unexpected ${unexpected.join(", ") || "nothing"}`);
  const target = targets[0] === "artifact.digest" ? (await Bun.file(join(dir, "artifact.digest")).text()).trim() : join(dir, "artifact.tar");
  const expected = ExpectSchema.parse(await Bun.file(join(dir, "expect.json")).json());
  return { target, bundle: join(dir, "bundle.sigstore.json"), key: join(dir, "key.pub"), expect: expected };
}

function cliArgs(c: Case): string[] {
  const args = ["verify", c.target, "--bundle", c.bundle, "--key", c.key, "--json"];
  const { allowDirty, allowUnsandboxed, ...values } = c.expect.expectations ?? {};
  for (const [name, value] of Object.entries(values)) if (value !== undefined) args.push(FLAGS[name as keyof typeof FLAGS], value);
  if (allowDirty) args.push("--allow-dirty");
  if (allowUnsandboxed) args.push("--allow-unsandboxed");
  return args;
}

const codeSet = (failures: readonly { code: string }[]) => [...new Set(failures.map((f) => f.code))].sort();

test("the corpus has valid and invalid cases, each described in its README", () => {
  for (const kind of KINDS) expect(caseNames(kind).length).toBeGreaterThan(0);
  // both ways: a case folder deleted by mistake leaves its README line behind, and fails here
  expect(cases).toEqual([...described.keys()].sort());
});

for (const name of cases) {
  const [kind, defect] = name.split("/") as [string, string];
  describe(`${kind === "valid" ? "accepts" : "rejects"} ${defect}: ${described.get(name) ?? "(not in README.md)"}`, () => {
    test("verifyBundle gives the recorded verdict and reason codes", async () => {
      const c = await loadCase(name);
      // a valid case that expects failure (or the reverse) is a corpus bug, not a verdict
      expect(c.expect.exit === 0).toBe(kind === "valid");
      const request = { artifact: c.target, bundlePath: c.bundle, keys: [await loadPublicKey(c.key)], expectations: c.expect.expectations ?? {} };
      if (c.expect.exit === 2) {
        const error = await verifyBundle(request).then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(BunsealError);
        expect([(error as BunsealError).code]).toEqual(c.expect.codes as never);
        expect((error as BunsealError).message).toContain(c.bundle);
        return;
      }
      const report = await verifyBundle(request);
      expect(report.verified).toBe(c.expect.exit === 0);
      expect(codeSet(report.failures)).toEqual(c.expect.codes);
      for (const failure of report.failures) expect(failure.message.length).toBeGreaterThan(0);
      expect(report.verifiedStatement === undefined).toBe(c.expect.exit !== 0);
    });

    test("the CLI exits with the recorded status and codes", async () => {
      const c = await loadCase(name);
      const out = await runCli(cliArgs(c));
      expect(out.exitCode).toBe(c.expect.exit);
      const json = out.json();
      if (c.expect.exit === 2) expect([json.error.code]).toEqual(c.expect.codes);
      else expect(codeSet(json.failures)).toEqual(c.expect.codes);
    });
  });
}
