/**
 * Issue #20, 3: an SBOM attestation (build --sbom, signed by the build's own
 * signer) swapped in where the provenance bundle goes must not pass as
 * provenance: `verify ART --bundle ART.cdx.sigstore.json --key PUB` exited 0,
 * verified, and the dirty check never ran. The SBOM attestation is verified as
 * one only when asked for by its predicate type (gh attestation verify's
 * --predicate-type), and the provenance's checks always run on the provenance.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { SLSA_PROVENANCE_V1 } from "../../src/attest/slsa-provenance.ts";
import { CYCLONEDX_PREDICATE_TYPE } from "../../src/sbom/cyclonedx.ts";
import { SBOM_PREDICATE_TYPE } from "../../src/verify/check-statement.ts";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import type { GitRepo } from "../helpers/git.ts";
import { startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

let work: TestDir;
let repo: GitRepo;
let sigstore: LocalSigstore;
let keyed: { artifact: string; bundle: string; sbom: string };
let keyless: { artifact: string; bundle: string; sbom: string };
const pub = () => join(work.path, "keys", "bunseal.pub");

beforeAll(async () => {
  [work, repo, sigstore] = await Promise.all([makeTempDir("bunseal-sbom-not-provenance-"), exampleServiceRepo(), startLocalSigstore()]);
  expect((await runCli(["keygen", "--out", join(work.path, "keys")])).exitCode).toBe(0);
  // a dirty work tree: the provenance records it, and a release gate must refuse it unasked
  await Bun.write(join(repo.path, "src", "uncommitted.ts"), "export const x = 1;\n");
  const key = await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--allow-dirty", "--sbom", "--out", join(work.path, "keyed"), "--json"]);
  expect(key.exitCode, key.stderr).toBe(0);
  keyed = { artifact: key.json().artifact.path, bundle: key.json().bundle.path, sbom: key.json().sbom.bundle.path };
  const env = { SIGSTORE_ID_TOKEN: sigstore.token(), ACTIONS_ID_TOKEN_REQUEST_URL: "", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "" };
  const less = await runCli(["build", repo.path, "--keyless", "--allow-dirty", "--sbom", "--out", join(work.path, "keyless"), "--fulcio-url", sigstore.fulcioUrl, "--rekor-url", sigstore.rekorUrl, "--tsa-url", sigstore.tsaUrl, "--json"], { env });
  expect(less.exitCode, less.stderr).toBe(0);
  keyless = { artifact: less.json().artifact.path, bundle: less.json().bundle.path, sbom: less.json().sbom.bundle.path };
}, 180_000);
afterAll(async () => {
  await Promise.all([work?.cleanup(), repo?.cleanup(), sigstore?.stop()]);
});

const codes = (out: { json(): { failures: { code: string }[] } }) => out.json().failures.map((f) => f.code);
const keylessFlags = () => ["--certificate-identity", sigstore.identity, "--certificate-oidc-issuer", sigstore.issuer, "--trusted-root", sigstore.trustedRootPath];

test("rejects the SBOM attestation swapped in for the provenance under --key: PREDICATE_TYPE_MISMATCH, exit 1", async () => {
  const out = await runCli(["verify", keyed.artifact, "--bundle", keyed.sbom, "--key", pub(), "--json"]);
  expect(out.exitCode).toBe(1);
  expect(out.json()).toMatchObject({ verified: false, provenance: null, predicateType: CYCLONEDX_PREDICATE_TYPE });
  expect(out.json().failures).toMatchObject([{ code: "PREDICATE_TYPE_MISMATCH", field: "predicateType", expected: SLSA_PROVENANCE_V1, found: CYCLONEDX_PREDICATE_TYPE }]);
  const text = await runCli(["verify", keyed.artifact, "--bundle", keyed.sbom, "--key", pub()]);
  expect(text.exitCode).toBe(1);
  expect(text.stdout).toContain("PREDICATE_TYPE_MISMATCH: the statement is an SBOM attestation, not SLSA provenance (verify it as one with --predicate-type https://cyclonedx.org/bom)");
});

test("rejects the SBOM attestation swapped in for the provenance under a certificate identity", async () => {
  const out = await runCli(["verify", keyless.artifact, "--bundle", keyless.sbom, ...keylessFlags(), "--json"]);
  expect(out.exitCode).toBe(1);
  expect(codes(out)).toEqual(["PREDICATE_TYPE_MISMATCH"]);
});

test("rejects it under a policy too, with the policy's finding", async () => {
  const policy = join(work.path, "policy.json");
  await Bun.write(policy, JSON.stringify({ signers: [{ publicKey: await Bun.file(pub()).text() }], allowDirty: true }));
  const out = await runCli(["verify", keyed.artifact, "--bundle", keyed.sbom, "--policy", policy, "--json"]);
  expect(out.exitCode).toBe(1);
  expect(codes(out)).toEqual(["PREDICATE_TYPE_MISMATCH", "POLICY_FAILED"]);
});

test("the provenance's dirty check still runs on the provenance", async () => {
  const out = await runCli(["verify", keyed.artifact, "--key", pub(), "--json"]);
  expect(out.exitCode).toBe(1);
  expect(out.json().failures).toMatchObject([{ code: "EXPECTATION_FAILED", field: "predicate.buildDefinition.externalParameters.source.dirty" }]);
  expect((await runCli(["verify", keyed.artifact, "--key", pub(), "--allow-dirty", "--json"])).exitCode).toBe(0);
});

test("--predicate-type https://cyclonedx.org/bom verifies the SBOM attestation as one, and only that", async () => {
  const sbom = await runCli(["verify", keyed.artifact, "--bundle", keyed.sbom, "--key", pub(), "--predicate-type", CYCLONEDX_PREDICATE_TYPE, "--json"]);
  expect(sbom.exitCode, sbom.stdout).toBe(0);
  expect(sbom.json()).toMatchObject({ verified: true, provenance: null, sbom: { specVersion: "1.6" } });
  const keylessSbom = await runCli(["verify", keyless.artifact, "--bundle", keyless.sbom, ...keylessFlags(), "--predicate-type", CYCLONEDX_PREDICATE_TYPE, "--json"]);
  expect(keylessSbom.exitCode, keylessSbom.stdout).toBe(0);
  // the provenance is not an SBOM attestation
  const provenance = await runCli(["verify", keyed.artifact, "--key", pub(), "--predicate-type", CYCLONEDX_PREDICATE_TYPE, "--json"]);
  expect(provenance.exitCode).toBe(1);
  expect(provenance.json().failures).toMatchObject([{ code: "PREDICATE_TYPE_MISMATCH", field: "predicateType", expected: CYCLONEDX_PREDICATE_TYPE, found: SLSA_PROVENANCE_V1 }]);
  // naming provenance's own type is the default, dirty check included
  const asProvenance = await runCli(["verify", keyed.artifact, "--key", pub(), "--predicate-type", SLSA_PROVENANCE_V1, "--json"]);
  expect(codes(asProvenance)).toEqual(["EXPECTATION_FAILED"]);
});

test("a --predicate-type bunseal cannot judge is a usage error", async () => {
  const out = await runCli(["verify", keyed.artifact, "--key", pub(), "--predicate-type", "https://example.com/anything/v1"]);
  expect(out.exitCode).toBe(2);
  expect(out.stderr).toContain(`--predicate-type: expected one of ${SLSA_PROVENANCE_V1}, ${CYCLONEDX_PREDICATE_TYPE}, https://slsa.dev/verification_summary/v1, https://bunseal.dev/runtime-measurement/v1; got "https://example.com/anything/v1"`);
});

test("check-statement's SBOM predicate type is the one build --sbom signs", () => {
  expect(SBOM_PREDICATE_TYPE).toBe(CYCLONEDX_PREDICATE_TYPE);
});
