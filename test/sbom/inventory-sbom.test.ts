/**
 * Issue #13, items 1 and 2: shipped vs locked packages, and the CycloneDX SBOM.
 * The example service locks hono and zod (bundled) and @types/bun with its
 * dependencies (types only, never bundled): a real build must tell them apart,
 * and its SBOM must pass the CycloneDX 1.6 JSON Schema as published (the
 * CycloneDX project's own validator, strict mode).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import type { ProvenanceV1 } from "../../src/attest/slsa-provenance.ts";
import type { Statement } from "../../src/attest/statement.ts";
import { defaultContext } from "../../src/context.ts";
import { installPathOf, packageInventory } from "../../src/inventory/shipped.ts";
import { buildArtifact } from "../../src/pipeline/build.ts";
import { cycloneDxSbom } from "../../src/sbom/cyclonedx.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import type { GitRepo } from "../helpers/git.ts";

let repo: GitRepo;
let statement: Statement<ProvenanceV1>;
let artifact: { name: string; sha256: string };

beforeAll(async () => {
  repo = await exampleServiceRepo();
  const outcome = await buildArtifact({ projectDir: repo.path, tracer: "untraced" }, defaultContext());
  statement = outcome.statementValue as Statement<ProvenanceV1>;
  artifact = { name: outcome.artifact.path.split("/").pop()!, sha256: outcome.artifact.digest.slice("sha256:".length) };
}, 120_000);
afterAll(async () => {
  await repo?.cleanup();
});

describe("install paths", () => {
  test("a package's files, scoped, nested and aliased, map to bun.lock's key", () => {
    expect(installPathOf("node_modules/hono/dist/index.js")).toBe("hono");
    expect(installPathOf("node_modules/@scope/pkg/lib/a.js")).toBe("@scope/pkg");
    expect(installPathOf("node_modules/a/node_modules/b/x.js")).toBe("a/b");
    expect(installPathOf("node_modules/@s/a/node_modules/@t/b/x.js")).toBe("@s/a/@t/b");
    expect(installPathOf("src/index.ts")).toBeUndefined();
    expect(installPathOf("node_modules/.bin")).toBeUndefined();
  });

  test("a nested second copy is shipped apart from the hoisted one", () => {
    const dep = (name: string, role: string, extra: Record<string, unknown> = {}) => ({ name, digest: { sha256: "00" }, annotations: { role, ...extra } });
    const synthetic = {
      predicate: {
        buildDefinition: {
          resolvedDependencies: [
            dep("ms", "package", { version: "2.1.3" }),
            dep("ms (debug/ms)", "package", { version: "2.0.0" }),
            dep("debug", "package", { version: "4.0.0" }),
            dep("node_modules/debug/node_modules/ms/index.js", "module"),
            dep("node_modules/debug/src/index.js", "module"),
          ],
        },
      },
    } as unknown as Statement<ProvenanceV1>;
    const inventory = packageInventory(synthetic).map((p) => [p.name, p.version, p.installPath, p.shipped]);
    expect(inventory).toEqual([
      ["debug", "4.0.0", "debug", true],
      ["ms", "2.0.0", "debug/ms", true],
      ["ms", "2.1.3", "ms", false],
    ]);
  });
});

describe("a real build", () => {
  test("bundled packages are shipped, with their files; types-only packages are locked only", () => {
    const inventory = packageInventory(statement);
    const byName = new Map(inventory.map((p) => [p.name, p]));
    expect(byName.get("hono")?.shipped).toBe(true);
    expect(byName.get("hono")!.files.every((f) => f.startsWith("node_modules/hono/"))).toBe(true);
    expect(byName.get("zod")?.shipped).toBe(true);
    expect(byName.get("@types/bun")?.shipped).toBe(false);
    expect(byName.get("@types/bun")?.files).toEqual([]);
    // shipped first
    const firstLocked = inventory.findIndex((p) => !p.shipped);
    expect(inventory.slice(firstLocked).every((p) => !p.shipped)).toBe(true);
  });

  test("the SBOM is valid CycloneDX 1.6 and lists exactly the shipped packages", async () => {
    const sbom = cycloneDxSbom(statement, { ...artifact, provenance: `${artifact.name}.sigstore.json` });
    const errors = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(JSON.stringify(sbom));
    expect(errors).toBeNull();
    const components = sbom.components as { name: string; group?: string; purl?: string; hashes?: { alg: string }[]; evidence: { occurrences: { location: string }[] } }[];
    const shipped = packageInventory(statement).filter((p) => p.shipped);
    expect(components.map((c) => (c.group ? `${c.group}/${c.name}` : c.name))).toEqual(shipped.map((p) => p.name));
    const hono = components.find((c) => c.name === "hono")!;
    expect(hono.purl).toMatch(/^pkg:npm\/hono@\d/);
    expect(hono.hashes?.[0]?.alg).toBe("SHA-512");
    expect(hono.evidence.occurrences.length).toBeGreaterThan(0);
    expect((sbom.metadata as { component: { hashes: { content: string }[] } }).component.hashes[0]!.content).toBe(artifact.sha256);
  });

  test("the validator is not a formality: a wrong field fails it", async () => {
    const sbom = cycloneDxSbom(statement, { ...artifact, provenance: "x.sigstore.json" }) as { components: { hashes?: { alg: string }[] }[] };
    sbom.components[0]!.hashes = [{ alg: "SHA-999" }];
    expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(JSON.stringify(sbom))).not.toBeNull();
  });

  test("the same statement gives the same bytes", () => {
    const subject = { ...artifact, provenance: "x.sigstore.json" };
    expect(JSON.stringify(cycloneDxSbom(statement, subject))).toBe(JSON.stringify(cycloneDxSbom(statement, subject)));
  });
});
