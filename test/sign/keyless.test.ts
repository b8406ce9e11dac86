/**
 * `bunseal build --keyless` end to end: the real CLI, a real build, and a
 * private Sigstore on loopback (@sigstore/mock's Fulcio, Rekor and TSA behind
 * Bun.serve). bunseal runs its production path; only the URLs differ. Each
 * bundle is then checked as a verifier would: it parses, names the token's
 * identity, carries the log entry, and verifies against a trusted root made
 * from the local services' keys.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { bundleFromJSON, type Bundle } from "@sigstore/bundle";
import { X509Certificate } from "@sigstore/core";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { Verifier, toSignedEntity, toTrustMaterial } from "@sigstore/verify";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import type { GitRepo } from "../helpers/git.ts";
import { startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { startFakeGitHubOidc, type FakeGitHubOidc } from "./fake-github-oidc.ts";

let repo: GitRepo;
let sigstore: LocalSigstore;
let github: FakeGitHubOidc;

beforeAll(async () => {
  [repo, sigstore] = await Promise.all([exampleServiceRepo(), startLocalSigstore()]);
  github = startFakeGitHubOidc((audience) => (audience === "sigstore" ? sigstore.token() : "wrong-audience"));
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), sigstore?.stop(), github?.stop()]);
});

/** No token source leaks in from the machine running the tests (a CI job may have its own). */
const NO_TOKEN = { SIGSTORE_ID_TOKEN: "", ACTIONS_ID_TOKEN_REQUEST_URL: "", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "" };
const services = () => ["--fulcio-url", sigstore.fulcioUrl, "--rekor-url", sigstore.rekorUrl];

async function readBundle(path: string): Promise<Bundle> {
  return bundleFromJSON(await Bun.file(path).json());
}

/** Verifies as `bunseal verify --trusted-root` will: certificate chain, SCT, log entry, timestamps, identity. */
function verify(bundle: Bundle, timestamps: number) {
  const trust = toTrustMaterial(TrustedRoot.fromJSON(sigstore.trustedRoot));
  const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: timestamps });
  return verifier.verify(toSignedEntity(bundle), { subjectAlternativeName: sigstore.identity, extensions: { issuer: sigstore.issuer } });
}

describe("bunseal build --keyless", () => {
  test("signs with a Fulcio certificate for SIGSTORE_ID_TOKEN's identity, logged in Rekor and timestamped; the bundle verifies", async () => {
    const out = await runCli(["build", repo.path, "--keyless", ...services(), "--tsa-url", sigstore.tsaUrl, "--json"], { env: { ...NO_TOKEN, SIGSTORE_ID_TOKEN: sigstore.token() } });
    expect(out.stderr).toBe("");
    expect(out.exitCode).toBe(0);
    const result = out.json();
    expect(result.keyless).toMatchObject({ tokenSource: "SIGSTORE_ID_TOKEN", identity: sigstore.identity, issuer: sigstore.issuer, fulcioUrl: sigstore.fulcioUrl, rekorUrl: sigstore.rekorUrl, rekorEntryType: "intoto", tsaUrl: sigstore.tsaUrl });

    const bundle = await readBundle(result.bundle.path);
    expect(bundle.mediaType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");
    // v0.3 carries the leaf alone, as @sigstore/sign writes it; the chain comes from the trusted root
    expect(bundle.verificationMaterial.content.$case).toBe("certificate");
    const material = bundle.verificationMaterial.content as Extract<Bundle["verificationMaterial"]["content"], { $case: "certificate" }>;
    expect(X509Certificate.parse(Buffer.from(material.certificate.rawBytes)).subjectAltName).toBe(sigstore.identity);
    const [entry, ...more] = bundle.verificationMaterial.tlogEntries;
    expect(more).toEqual([]);
    expect(entry!.kindVersion).toEqual({ kind: "intoto", version: "0.0.2" });
    expect(entry!.logIndex).toBe(result.keyless.logIndex);
    expect(entry!.inclusionPromise?.signedEntryTimestamp.length).toBeGreaterThan(0);
    expect(entry!.inclusionProof?.checkpoint?.envelope).toContain(new URL(sigstore.rekorUrl).host);
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);

    // two timestamps: Rekor's integrated time and the TSA's
    const signer = verify(bundle, 2);
    expect(signer.identity).toMatchObject({ subjectAlternativeName: sigstore.identity, extensions: { issuer: sigstore.issuer } });
    // what was signed is this build's statement, naming this artifact
    const envelope = bundle.content.$case === "dsseEnvelope" ? bundle.content.dsseEnvelope : undefined;
    const statement = JSON.parse(Buffer.from(envelope!.payload).toString("utf8"));
    expect(statement.subject[0].digest.sha256).toBe(result.artifact.digest.replace("sha256:", ""));
  });

  test("gets the token from GitHub Actions' id-token endpoint, audience sigstore; no TSA unless asked", async () => {
    const before = github.requests.length;
    const out = await runCli(["build", repo.path, "--keyless", ...services(), "--json"], { env: { ...NO_TOKEN, ...github.env } });
    expect(out.exitCode).toBe(0);
    expect(github.requests.slice(before)).toEqual([{ audience: "sigstore", authorized: true }]);
    const result = out.json();
    expect(result.keyless).toMatchObject({ tokenSource: "github-actions", identity: sigstore.identity, tsaUrl: null });
    const bundle = await readBundle(result.bundle.path);
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? []).toEqual([]);
    verify(bundle, 1);
  });

  test("--rekor-entry-type dsse logs a dsse entry", async () => {
    const out = await runCli(["build", repo.path, "--keyless", ...services(), "--rekor-entry-type", "dsse", "--identity-token", sigstore.token(), "--json"], { env: NO_TOKEN });
    expect(out.exitCode).toBe(0);
    const bundle = await readBundle(out.json().bundle.path);
    // not verified here: @sigstore/mock's Rekor logs the proposed entry as sent,
    // where a real Rekor stores the envelope's hashes, so its dsse body cannot match
    expect(bundle.verificationMaterial.tlogEntries.map((e) => e.kindVersion)).toEqual([{ kind: "dsse", version: "0.0.1" }]);
  });

  test("with no token anywhere, fails before building: exit 3, naming the three ways to provide one", async () => {
    const out = await runCli(["build", repo.path, "--keyless", ...services(), "--out", `${repo.path}/.bunseal/no-token`], { env: NO_TOKEN });
    expect(out.exitCode).toBe(3);
    expect(out.stderr).toStartWith("bunseal: IDENTITY_TOKEN_MISSING: --keyless needs an OIDC identity token");
    for (const way of ["--identity-token TOKEN", "SIGSTORE_ID_TOKEN", "GitHub Actions with `permissions: id-token: write`"]) expect(out.stderr).toContain(way);
    expect(existsSync(`${repo.path}/.bunseal/no-token`)).toBe(false);
  });

  test("an unreachable Fulcio fails with exit 3 naming its URL, and leaves neither artifact nor bundle", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const fulcioUrl = `http://127.0.0.1:${closed.port}`;
    await closed.stop(true);
    const outDir = `${repo.path}/.bunseal/unreachable`;
    const out = await runCli(["build", repo.path, "--keyless", "--fulcio-url", fulcioUrl, "--rekor-url", sigstore.rekorUrl, "--out", outDir, "--json"], { env: { ...NO_TOKEN, SIGSTORE_ID_TOKEN: sigstore.token() } });
    expect(out.exitCode).toBe(3);
    const error = out.json().error;
    expect(error.code).toBe("FULCIO_FAILED");
    expect(error.message).toStartWith(`Fulcio at ${fulcioUrl}: expected a signing certificate, got an error (`);
    expect(error.field).toBe("--fulcio-url");
    expect(out.stderr).toContain(fulcioUrl);
    expect([...new Bun.Glob("*").scanSync(outDir)]).toEqual([]);
  });

  test("a Fulcio that answers with an error fails with exit 3 and the status", async () => {
    // Rekor's server answers 404 on Fulcio's path
    const out = await runCli(["build", repo.path, "--keyless", "--fulcio-url", sigstore.rekorUrl, "--rekor-url", sigstore.rekorUrl, "--json"], { env: { ...NO_TOKEN, SIGSTORE_ID_TOKEN: sigstore.token() } });
    expect(out.exitCode).toBe(3);
    expect(out.json().error.code).toBe("FULCIO_FAILED");
    expect(out.json().error.message).toContain("(404)");
  });
});

describe("keyless flags", () => {
  const usage = async (args: string[]) => {
    const out = await runCli(["build", repo.path, ...args, "--json"], { env: { ...NO_TOKEN, SIGSTORE_ID_TOKEN: sigstore.token() } });
    expect(out.exitCode).toBe(2);
    return out.json().error;
  };

  test("exactly one way to sign", async () => {
    expect((await usage(["--keyless", "--key", "k.pem"])).message).toBe("--key and --keyless contradict each other; expected one of them");
    expect((await usage(["--keyless", "--no-sign"])).message).toBe("--keyless and --no-sign contradict each other; expected one of them");
  });

  test("a keyless setting without --keyless is refused, not ignored", async () => {
    expect((await usage(["--key", "k.pem", "--fulcio-url", "https://fulcio.example"])).message).toBe("--fulcio-url applies to keyless signing only; expected --keyless with it");
    expect((await usage(["--no-sign", "--identity-token", "t"])).field).toBe("--identity-token");
  });

  test("a URL that is not http(s) and an unknown entry type are usage errors", async () => {
    expect((await usage(["--keyless", "--rekor-url", "rekor.example"])).message).toBe('--rekor-url: expected an http(s) URL, got "rekor.example"');
    expect((await usage(["--keyless", "--tsa-url", "file:///etc/passwd"])).field).toBe("--tsa-url");
    expect((await usage(["--keyless", "--rekor-entry-type", "hashedrekord"])).message).toBe('--rekor-entry-type: expected intoto or dsse, got "hashedrekord"');
  });
});
