/**
 * Keyless summaries, against a private Sigstore on loopback
 * (test/helpers/local-sigstore.ts): `--vsa-keyless` signs with a Fulcio
 * certificate for the CI identity and logs in Rekor, as `build --keyless`
 * does; the summary verifies offline with that identity and the trusted root.
 * And keyless provenance from a hosted CI's workflow identity earns
 * SLSA_BUILD_LEVEL_2 where key-signed provenance earns level 1.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { keylessSigner } from "../../src/sign/keyless-signer.ts";
import { signStatement } from "../../src/sign/sign-statement.ts";
import { canonicalJson } from "../../src/util/canonical-json.ts";
import { runCli } from "../helpers/cli.ts";
import { startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { artifactAndStatement } from "../verify/signed-statement.ts";
import { statementOf, vsaFixture, type VsaFixture } from "./fixture.ts";

setDefaultTimeout(60_000);

let f: VsaFixture;
let sigstore: LocalSigstore;
beforeAll(async () => {
  [f, sigstore] = await Promise.all([vsaFixture(), startLocalSigstore()]);
});
afterAll(async () => {
  await Promise.all([f?.cleanup(), sigstore?.stop()]);
});

const noAmbientToken = { ACTIONS_ID_TOKEN_REQUEST_URL: "", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "" };

test("--vsa-keyless signs the summary with the CI identity; it verifies with that identity and the trusted root", async () => {
  const vsa = join(f.work.path, "keyless.vsa.json");
  const written = await runCli(["verify", f.artifact, "--key", f.buildKey.pub, "--vsa", vsa, "--vsa-keyless", "--fulcio-url", sigstore.fulcioUrl, "--rekor-url", sigstore.rekorUrl, "--tsa-url", sigstore.tsaUrl, "--json"], { env: { ...noAmbientToken, SIGSTORE_ID_TOKEN: sigstore.token() } });
  expect(written.exitCode, written.stderr).toBe(0);
  const bundle = await Bun.file(vsa).json();
  expect(bundle.verificationMaterial.certificate ?? bundle.verificationMaterial.x509CertificateChain).toBeDefined();
  expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
  expect((await statementOf(vsa)).predicate.verifiedLevels).toEqual(["SLSA_BUILD_LEVEL_1"]);

  const verified = await runCli(["verify", f.artifact, "--bundle", vsa, "--certificate-identity", sigstore.identity, "--certificate-oidc-issuer", sigstore.issuer, "--trusted-root", sigstore.trustedRootPath, "--json"]);
  expect(verified.exitCode, verified.stdout).toBe(0);
  expect(verified.json()).toMatchObject({ verified: true, signer: { identity: sigstore.identity, issuer: sigstore.issuer }, vsa: { verificationResult: "PASSED" } });

  const impostor = await runCli(["verify", f.artifact, "--bundle", vsa, "--certificate-identity", `${sigstore.identity}x`, "--certificate-oidc-issuer", sigstore.issuer, "--trusted-root", sigstore.trustedRootPath, "--json"]);
  expect(impostor.exitCode).toBe(1);
  expect(impostor.json().failures.map((x: { code: string }) => x.code)).toEqual(["IDENTITY_MISMATCH"]);
});

test("keyless provenance signed by a hosted CI's workflow identity earns SLSA_BUILD_LEVEL_2", async () => {
  const { tar, statement } = await artifactAndStatement(3);
  const artifact = join(f.work.path, "ci-built.tar");
  const signer = keylessSigner({ identityToken: sigstore.token(), env: {}, fulcioUrl: sigstore.fulcioUrl, rekorUrl: sigstore.rekorUrl });
  const bundle = await signStatement(new TextEncoder().encode(canonicalJson(statement)), signer);
  await Promise.all([Bun.write(artifact, tar), Bun.write(`${artifact}.sigstore.json`, JSON.stringify(bundle))]);
  const vsa = join(f.work.path, "ci-built.vsa.json");
  const result = await runCli(["verify", artifact, "--certificate-identity", sigstore.identity, "--certificate-oidc-issuer", sigstore.issuer, "--trusted-root", sigstore.trustedRootPath, "--vsa", vsa, "--vsa-key", f.verifierKey.key, "--json"]);
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  const p = (await statementOf(vsa)).predicate;
  expect(p.verifiedLevels).toEqual(["SLSA_BUILD_LEVEL_2"]);
  // the flags policy records the identity that was required, and the trusted root by digest
  const flags = JSON.parse(Buffer.from(p.policy.content, "base64").toString("utf8"));
  expect(flags.identity).toEqual({ identity: sigstore.identity, identityRegexp: null, issuer: sigstore.issuer });
  expect(flags.trustedRoot.sha256).toBe(new Bun.CryptoHasher("sha256").update(await Bun.file(sigstore.trustedRootPath).bytes()).digest("hex"));

  // and a policy that requires level 2 accepts that summary, by the verifier's key
  const policy = join(f.work.path, "level2.json");
  await Bun.write(policy, JSON.stringify({ signers: [{ publicKey: f.verifierKey.pub }], vsa: { levels: ["SLSA_BUILD_LEVEL_2"] } }));
  const gate = await runCli(["verify", artifact, "--bundle", vsa, "--policy", policy, "--json"]);
  expect(gate.exitCode, gate.stdout).toBe(0);
});
