/**
 * Issue #20, 4: keyless verify binds the Fulcio certificate's source
 * extensions (1.3.6.1.4.1.57264.1.12 repository URI, .13 commit, .14 ref, and
 * the older .5 repository, .3 commit, .6 ref) to the statement's source, as
 * slsa-verifier and `gh attestation verify` tie a certificate to its source:
 * a statement that names another repository, commit or ref than the workflow
 * run that signed it is CERT_SOURCE_MISMATCH. The loopback Fulcio
 * (@sigstore/mock) writes these extensions from the token's `repository`,
 * `sha` and `ref` claims, as Fulcio does from GitHub's.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { BUILD_TYPE } from "../../src/attest/build-type.ts";
import { checkCertificateSource } from "../../src/verify/cert-source.ts";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import { git, type GitRepo } from "../helpers/git.ts";
import { mintToken, startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { CONFORMANCE_CORPUS } from "./conformance-cases.ts";

let repo: GitRepo;
let sigstore: LocalSigstore;
let out: TestDir;
const tokenKey = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
const built: Record<string, { artifact: string; bundle: string }> = {};
const OTHER_COMMIT = "0123456789abcdef0123456789abcdef01234567";

/** a keyless build whose certificate carries the source the token claims */
async function buildWith(name: string, claims: { repository?: string; sha?: string; ref?: string }) {
  const token = mintToken(tokenKey, { iss: sigstore.issuer, sub: sigstore.identity, aud: "sigstore", ...claims });
  const env = { SIGSTORE_ID_TOKEN: token, ACTIONS_ID_TOKEN_REQUEST_URL: "", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "", GITHUB_REF: "" };
  const result = await runCli(["build", repo.path, "--keyless", "--out", join(out.path, name), "--fulcio-url", sigstore.fulcioUrl, "--rekor-url", sigstore.rekorUrl, "--tsa-url", sigstore.tsaUrl, "--json"], { env });
  expect(result.exitCode, result.stderr).toBe(0);
  built[name] = { artifact: result.json().artifact.path, bundle: result.json().bundle.path };
}

beforeAll(async () => {
  [repo, sigstore, out] = await Promise.all([exampleServiceRepo(), startLocalSigstore(), makeTempDir("bunseal-cert-source-")]);
  await git(repo.path, ["remote", "add", "origin", "https://github.com/acme/service.git"]);
  const own = { repository: "acme/service", sha: repo.commit, ref: "refs/heads/main" };
  await buildWith("own", own);
  await buildWith("other-commit", { ...own, sha: OTHER_COMMIT });
  await buildWith("other-repository", { ...own, repository: "acme/other" });
  await buildWith("other-ref", { ...own, ref: "refs/heads/feature" });
}, 180_000);
afterAll(async () => {
  await Promise.all([repo?.cleanup(), sigstore?.stop(), out?.cleanup()]);
});

const verify = (name: string, ...flags: string[]) =>
  runCli(["verify", built[name]!.artifact, "--bundle", built[name]!.bundle, "--trusted-root", sigstore.trustedRootPath, "--certificate-identity", sigstore.identity, "--certificate-oidc-issuer", sigstore.issuer, ...flags, "--json"]);
const at = (oid: string) => `certificate.extensions.${oid}`;

test("a certificate whose source is the statement's verifies", async () => {
  const result = await verify("own");
  expect(result.exitCode, result.stdout).toBe(0);
  expect(result.json()).toMatchObject({ verified: true, provenance: { commit: repo.commit, sourceUri: "git+https://github.com/acme/service.git@refs/heads/main" } });
});

test("rejects a statement naming another commit than the certificate's workflow run (.13 and the older .3)", async () => {
  const result = await verify("other-commit");
  expect(result.exitCode).toBe(1);
  expect(result.json().failures).toEqual([
    expect.objectContaining({ code: "CERT_SOURCE_MISMATCH", field: at("1.3.6.1.4.1.57264.1.3"), expected: OTHER_COMMIT, found: repo.commit }),
    expect.objectContaining({ code: "CERT_SOURCE_MISMATCH", field: at("1.3.6.1.4.1.57264.1.13"), expected: OTHER_COMMIT, found: repo.commit, message: `the signing certificate's source repository digest (commit) is ${OTHER_COMMIT}, and the statement records ${repo.commit} at predicate.buildDefinition.externalParameters.source.commit` }),
  ]);
});

test("rejects a statement naming another repository than the certificate's (.12 and the older .5)", async () => {
  const result = await verify("other-repository");
  expect(result.exitCode).toBe(1);
  expect(result.json().failures).toEqual([
    expect.objectContaining({ code: "CERT_SOURCE_MISMATCH", field: at("1.3.6.1.4.1.57264.1.5"), expected: "acme/other", found: "git+https://github.com/acme/service.git@refs/heads/main" }),
    expect.objectContaining({ code: "CERT_SOURCE_MISMATCH", field: at("1.3.6.1.4.1.57264.1.12"), expected: "https://github.com/acme/other", found: "git+https://github.com/acme/service.git@refs/heads/main" }),
  ]);
});

test("rejects a statement naming another ref than the certificate's (.14 and the older .6)", async () => {
  const result = await verify("other-ref");
  expect(result.exitCode).toBe(1);
  expect(result.json().failures.map((f: { code: string; field: string }) => `${f.code} ${f.field}`)).toEqual([`CERT_SOURCE_MISMATCH ${at("1.3.6.1.4.1.57264.1.6")}`, `CERT_SOURCE_MISMATCH ${at("1.3.6.1.4.1.57264.1.14")}`]);
});

test("a policy verifies the same binding", async () => {
  const policy = join(out.path, "policy.json");
  await Bun.write(policy, JSON.stringify({ signers: [{ identity: sigstore.identity, issuer: sigstore.issuer }] }));
  const ok = await runCli(["verify", built.own!.artifact, "--bundle", built.own!.bundle, "--trusted-root", sigstore.trustedRootPath, "--policy", policy, "--json"]);
  expect(ok.exitCode, ok.stdout).toBe(0);
  const bad = await runCli(["verify", built["other-commit"]!.artifact, "--bundle", built["other-commit"]!.bundle, "--trusted-root", sigstore.trustedRootPath, "--policy", policy, "--json"]);
  expect(bad.exitCode).toBe(1);
  expect(bad.json().failures.map((f: { code: string }) => f.code)).toContain("CERT_SOURCE_MISMATCH");
});

describe("checkCertificateSource", () => {
  const der = (text: string, tag = 0x0c) => new Uint8Array([tag, Buffer.byteLength(text), ...Buffer.from(text)]);
  const ext = (oid: string, value: Uint8Array) => ({ oid: { id: oid.split(".").map(Number) }, value });
  const bunseal = (uri: string, ref: string | null = "refs/tags/v1") => ({
    _type: "https://in-toto.io/Statement/v1" as const,
    subject: [],
    predicateType: "https://slsa.dev/provenance/v1",
    predicate: { buildDefinition: { buildType: BUILD_TYPE, externalParameters: { source: { uri, commit: "a".repeat(40), ref } } } },
  });

  test("one repository however the remote is spelled (ssh, .git, case)", () => {
    const cert = [ext("1.3.6.1.4.1.57264.1.12", der("https://github.com/Acme/Service"))];
    expect(checkCertificateSource(cert, bunseal("git+ssh://git@github.com/acme/service.git@refs/tags/v1"))).toEqual([]);
    expect(checkCertificateSource(cert, bunseal("git+https://github.com/acme/service-evil@refs/tags/v1"))).toMatchObject([{ code: "CERT_SOURCE_MISMATCH" }]);
  });

  test("a fact the statement does not record has nothing to contradict; a foreign statement without a source neither", () => {
    const cert = [ext("1.3.6.1.4.1.57264.1.14", der("refs/heads/main"))];
    expect(checkCertificateSource(cert, bunseal("git+https://github.com/acme/service", null))).toEqual([]);
    expect(checkCertificateSource(cert, { _type: "https://in-toto.io/Statement/v1" as const, subject: [], predicateType: "https://example.com/stub", predicate: {} })).toEqual([]);
  });

  test("rejects an extension that is no UTF8String: never skipped", () => {
    const cert = [ext("1.3.6.1.4.1.57264.1.13", der("a".repeat(40), 0x04))];
    expect(checkCertificateSource(cert, bunseal("git+https://github.com/acme/service"))).toMatchObject([{ code: "CERT_SOURCE_MISMATCH", field: "certificate.extensions.1.3.6.1.4.1.57264.1.13", found: "unreadable bytes" }]);
  });
});

describe("another build type's provenance (the conformance suite's: a beacon workflow signed another repository's provenance)", () => {
  const IDENTITY = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
  const DSSE = join(CONFORMANCE_CORPUS, "happy-path-intoto-in-dsse-v3", "bundle.sigstore.json");
  const run = (...flags: string[]) => runCli(["verify", "--bundle", DSSE, "--certificate-identity", IDENTITY, "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com", ...flags, join(CONFORMANCE_CORPUS, "a.txt"), "--json"]);

  test("verifies as any Sigstore verifier does when nothing asks for provenance", async () => {
    expect((await run()).exitCode).toBe(0);
  });

  test("rejects it when verified as provenance: its source is not the certificate's", async () => {
    const result = await run("--predicate-type", "https://slsa.dev/provenance/v1");
    expect(result.exitCode).toBe(1);
    expect(result.json().failures).toContainEqual(expect.objectContaining({ code: "CERT_SOURCE_MISMATCH", field: "certificate.extensions.1.3.6.1.4.1.57264.1.12", expected: "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon", found: "git+https://github.com/loosebazooka/aa-test@refs/heads/main" }));
  });
});
