/**
 * `bunseal build --sbom` (issue #13, item 2): the SBOM beside the artifact and
 * its attestation, signed by the build's signer: an in-toto Statement whose one
 * subject is the artifact and whose predicate is the SBOM (predicateType
 * https://cyclonedx.org/bom). Verified here with the library's own verifier.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { loadPublicKey } from "../../src/sign/keys.ts";
import { CYCLONEDX_PREDICATE_TYPE } from "../../src/sbom/cyclonedx.ts";
import { verifyBundle } from "../../src/verify/verify-bundle.ts";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import type { GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

let work: TestDir;
let repo: GitRepo;

beforeAll(async () => {
  work = await makeTempDir("bunseal-build-sbom-");
  repo = await exampleServiceRepo();
  expect((await runCli(["keygen", "--out", join(work.path, "keys")])).exitCode).toBe(0);
}, 120_000);
afterAll(async () => {
  await Promise.all([work?.cleanup(), repo?.cleanup()]);
});

test("the SBOM and its signed attestation are written beside the artifact, and the attestation verifies", async () => {
  const out = await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--sbom", "--out", join(work.path, "signed"), "--json"]);
  expect(out.exitCode).toBe(0);
  const built = out.json();
  expect(built.sbom.path).toBe(`${built.artifact.path}.cdx.json`);
  expect(built.sbom.bundle.path).toBe(`${built.artifact.path}.cdx.sigstore.json`);
  const sbom = JSON.parse(readFileSync(built.sbom.path, "utf8"));
  expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(JSON.stringify(sbom))).toBeNull();
  expect(sbom.components.length).toBe(built.sbom.packages);
  expect(sbom.components.map((c: { name: string }) => c.name)).toContain("hono");

  const report = await verifyBundle({ artifact: built.artifact.path, bundlePath: built.sbom.bundle.path, keys: [await loadPublicKey(join(work.path, "keys", "bunseal.pub"))], expectations: {}, predicateType: CYCLONEDX_PREDICATE_TYPE });
  expect(report.failures).toEqual([]);
  expect(report.verified).toBe(true);
  // the attested SBOM is the file beside the artifact
  const payload = JSON.parse(Buffer.from(JSON.parse(readFileSync(built.sbom.bundle.path, "utf8")).dsseEnvelope.payload, "base64").toString("utf8"));
  expect(payload.predicate).toEqual(sbom);
}, 120_000);

test("another artifact is not the attestation's subject", async () => {
  const built = (await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--sbom", "--out", join(work.path, "again"), "--json"])).json();
  const other = join(work.path, "other.tar");
  await Bun.write(other, "not the artifact");
  const report = await verifyBundle({ artifact: other, bundlePath: built.sbom.bundle.path, keys: [await loadPublicKey(join(work.path, "keys", "bunseal.pub"))], expectations: {}, predicateType: CYCLONEDX_PREDICATE_TYPE });
  expect(report.verified).toBe(false);
  expect(report.failures.map((f) => f.code)).toContain("SUBJECT_MISMATCH");
}, 120_000);

test("bunseal verify --predicate-type https://cyclonedx.org/bom takes the SBOM attestation: OK with the key, refused with another key, not provenance", async () => {
  const built = (await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--sbom", "--out", join(work.path, "cli"), "--json"])).json();
  const ok = await runCli(["verify", built.artifact.path, "--bundle", built.sbom.bundle.path, "--key", join(work.path, "keys", "bunseal.pub"), "--predicate-type", CYCLONEDX_PREDICATE_TYPE, "--json"]);
  expect(ok.exitCode).toBe(0);
  expect(ok.json().sbom).toEqual({ specVersion: "1.6", components: built.sbom.packages, serialNumber: expect.stringMatching(/^urn:uuid:/) });
  expect(ok.json().provenance).toBeNull();
  expect((await runCli(["keygen", "--out", join(work.path, "other-keys")])).exitCode).toBe(0);
  const wrongKey = await runCli(["verify", built.artifact.path, "--bundle", built.sbom.bundle.path, "--key", join(work.path, "other-keys", "bunseal.pub"), "--predicate-type", CYCLONEDX_PREDICATE_TYPE, "--json"]);
  expect(wrongKey.exitCode).toBe(1);
  expect(wrongKey.json().sbom).toBeNull();
  // the provenance bundle is still verified as provenance, and the SBOM attestation is not accepted as provenance by a policy
  const provenance = await runCli(["verify", built.artifact.path, "--key", join(work.path, "keys", "bunseal.pub"), "--json"]);
  expect(provenance.json().provenance).not.toBeNull();
}, 120_000);

test("--no-sign --sbom writes the SBOM alone", async () => {
  const built = (await runCli(["build", repo.path, "--no-sign", "--sbom", "--out", join(work.path, "unsigned"), "--json"])).json();
  expect(existsSync(built.sbom.path)).toBe(true);
  expect(built.sbom.bundle).toBeNull();
  expect(existsSync(`${built.artifact.path}.cdx.sigstore.json`)).toBe(false);
  // it points at the provenance that was written: the bare statement, not a bundle that does not exist
  const sbom = JSON.parse(readFileSync(built.sbom.path, "utf8"));
  expect(sbom.externalReferences[0].url).toBe(`${built.artifact.path.split("/").pop()}.intoto.json`);
  expect(existsSync(built.statement.path)).toBe(true);
}, 120_000);
