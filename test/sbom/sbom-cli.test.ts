/**
 * `bunseal sbom`: from an artifact whose provenance verifies with --key, or
 * from a stored artifact by digest; refused when the provenance does not
 * verify or no trust is given.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import type { GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

let work: TestDir;
let repo: GitRepo;
let built: { artifact: { path: string; digest: string }; bundle: { path: string } };
const key = () => join(work.path, "keys", "bunseal.key");
const pub = () => join(work.path, "keys", "bunseal.pub");

beforeAll(async () => {
  work = await makeTempDir("bunseal-sbom-cli-");
  repo = await exampleServiceRepo();
  expect((await runCli(["keygen", "--out", join(work.path, "keys")])).exitCode).toBe(0);
  const out = await runCli(["build", repo.path, "--key", key(), "--store", join(work.path, "store.db"), "--json"]);
  expect(out.exitCode).toBe(0);
  built = out.json();
}, 120_000);
afterAll(async () => {
  await Promise.all([work?.cleanup(), repo?.cleanup()]);
});

test("from an artifact verified with --key, to a file; valid CycloneDX naming the artifact", async () => {
  const file = join(work.path, "sbom.cdx.json");
  const out = await runCli(["sbom", built.artifact.path, "--key", pub(), "--out", file]);
  expect(out.exitCode).toBe(0);
  expect(out.stderr).toContain(`shipped packages of ${built.artifact.digest}`);
  const sbom = JSON.parse(readFileSync(file, "utf8"));
  expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(JSON.stringify(sbom))).toBeNull();
  expect(sbom.metadata.component.hashes[0].content).toBe(built.artifact.digest.slice(7));
  expect(sbom.components.map((c: { name: string }) => c.name)).toContain("hono");
  expect(sbom.components.map((c: { name: string }) => c.name)).not.toContain("bun");
});

test("from the store by digest: the same components", async () => {
  const fromFile = (await runCli(["sbom", built.artifact.path, "--key", pub()])).json();
  const out = await runCli(["sbom", built.artifact.digest, "--store", join(work.path, "store.db")]);
  expect(out.exitCode).toBe(0);
  expect(out.json().components).toEqual(fromFile.components);
});

test("a tampered artifact is refused (exit 1); no --key is a usage error (exit 2); an unknown digest is not found", async () => {
  const tampered = join(work.path, "tampered.tar");
  const bytes = readFileSync(built.artifact.path);
  bytes[bytes.length - 1200]! ^= 1;
  writeFileSync(tampered, bytes);
  writeFileSync(`${tampered}.sigstore.json`, readFileSync(built.bundle.path));
  const refused = await runCli(["sbom", tampered, "--key", pub()]);
  expect(refused.exitCode).toBe(1);
  expect(refused.stderr).toContain("VERIFY_FAILED");
  const usage = await runCli(["sbom", built.artifact.path]);
  expect(usage.exitCode).toBe(2);
  expect(usage.stderr).toContain("--key");
  // the trust flags are verify's, with verify's rules: an identity needs its issuer
  const noIssuer = await runCli(["sbom", built.artifact.path, "--certificate-identity", "https://ci.example/release"]);
  expect(noIssuer.exitCode).toBe(2);
  expect(noIssuer.stderr).toContain("--certificate-oidc-issuer");
  // and a keyless identity does not verify a key-signed provenance
  const wrongKind = await runCli(["sbom", built.artifact.path, "--certificate-identity", "https://ci.example/release", "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com"]);
  expect(wrongKind.exitCode).toBe(1);
  expect(wrongKind.stderr).toContain("VERIFY_FAILED");
  const missing = await runCli(["sbom", `sha256:${"0".repeat(64)}`, "--store", join(work.path, "store.db")]);
  expect(missing.exitCode).toBe(1);
  expect(missing.stderr).toContain("NOT_FOUND");
  const malformed = await runCli(["sbom", "sha256:zz", "--store", join(work.path, "never-made.db")]);
  expect(malformed.exitCode).toBe(2);
  expect(malformed.stderr).toContain("USAGE: sha256:zz: expected sha256:<64 hex>");
  expect(existsSync(join(work.path, "never-made.db"))).toBe(false);
});

test("from the store, the bundle is verified again: a changed row's SBOM is refused, and the trust flags apply", async () => {
  const { Database } = await import("bun:sqlite");
  const { copyFileSync } = await import("node:fs");
  // the stored bundle replaced by one whose payload lists what the editor chose (signature no longer holds)
  const edited = join(work.path, "edited.db");
  copyFileSync(join(work.path, "store.db"), edited);
  const db = new Database(edited);
  const row = db.query("SELECT bundle FROM artifact_bundles").get() as { bundle: string };
  const bundle = JSON.parse(row.bundle);
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
  statement.predicate.buildDefinition.resolvedDependencies = statement.predicate.buildDefinition.resolvedDependencies.filter((d: { name?: string }) => !d.name?.startsWith("hono"));
  bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString("base64");
  db.query("UPDATE artifact_bundles SET bundle = ?").run(JSON.stringify(bundle));
  db.close();
  const refused = await runCli(["sbom", built.artifact.digest, "--store", edited]);
  expect(refused.exitCode).toBe(1);
  expect(refused.stderr).toContain("VERIFY_FAILED");
  expect(refused.stdout).toBe("");
  // the responder's own key decides when given: another key refuses the untouched store's record
  const other = await makeTempDir("bunseal-sbom-other-");
  try {
    await runCli(["keygen", "--out", other.path]);
    const theirs = await runCli(["sbom", built.artifact.digest, "--key", join(other.path, "bunseal.pub"), "--store", join(work.path, "store.db")]);
    expect(theirs.exitCode).toBe(1);
    expect(theirs.stderr).toContain("SIGNATURE_INVALID");
    const ours = await runCli(["sbom", built.artifact.digest, "--key", pub(), "--store", join(work.path, "store.db")]);
    expect(ours.exitCode).toBe(0);
  } finally {
    await other.cleanup();
  }
});
