/**
 * deps verify against a registry on loopback that serves signing keys,
 * signatures and provenance the way registry.npmjs.org does (real ECDSA
 * signatures made here), and against one that serves neither.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync, sign } from "node:crypto";
import { join } from "node:path";
import { verifyDependencies } from "../../src/deps/deps-verify.ts";
import { normalizeRepository } from "../../src/deps/repository.ts";
import { runCli } from "../helpers/cli.ts";
import { makeTempDir, testdir, type TestDir } from "../helpers/testdir.ts";

const lock = (pkgs: [string, string][]) =>
  JSON.stringify({
    lockfileVersion: 1,
    workspaces: { "": { name: "app", dependencies: Object.fromEntries(pkgs) } },
    packages: Object.fromEntries(pkgs.map(([n, v]) => [n, [`${n}@${v}`, "", {}, `sha512-${Buffer.from(`${n}${v}`).toString("base64")}`]])),
  });

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const KEYID = "SHA256:test-registry-key";
const integrity = (n: string, v: string) => `sha512-${Buffer.from(`${n}${v}`).toString("base64")}`;
const signatureOf = (n: string, v: string) => sign("sha256", Buffer.from(`${n}@${v}:${integrity(n, v)}`), privateKey).toString("base64");
const provenance = (repo: string) => ({
  dsseEnvelope: {
    payloadType: "application/vnd.in-toto+json",
    payload: Buffer.from(JSON.stringify({ _type: "https://in-toto.io/Statement/v1", subject: [{ name: "pkg:npm/x", digest: { sha512: "00" } }], predicateType: "https://slsa.dev/provenance/v1", predicate: { buildDefinition: { buildType: "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1", externalParameters: { workflow: { repository: repo, path: ".github/workflows/publish.yml", ref: "refs/tags/v1" } }, resolvedDependencies: [{ uri: `git+${repo}@refs/tags/v1`, digest: { gitCommit: "a".repeat(40) } }] }, runDetails: { builder: { id: "https://github.com/actions/runner/github-hosted" } } } })).toString("base64"),
    signatures: [{ sig: "AA==" }],
  },
});

let server: ReturnType<typeof Bun.serve>;
let requests = 0;
beforeAll(() => {
  const versions: Record<string, object> = {
    "good/1.0.0": { name: "good", version: "1.0.0", repository: { type: "git", url: "git+https://github.com/acme/good.git" }, dist: { integrity: integrity("good", "1.0.0"), signatures: [{ keyid: KEYID, sig: signatureOf("good", "1.0.0") }], attestations: { url: "/-/npm/v1/attestations/good@1.0.0" } } },
    "forged/1.0.0": { name: "forged", version: "1.0.0", dist: { integrity: integrity("forged", "1.0.0"), signatures: [{ keyid: KEYID, sig: signatureOf("other", "9.9.9") }] } },
    "plain/2.0.0": { name: "plain", version: "2.0.0", dist: { integrity: integrity("plain", "2.0.0") } },
    "moved/3.0.0": { name: "moved", version: "3.0.0", repository: "github:acme/moved", dist: { integrity: integrity("moved", "3.0.0"), signatures: [{ keyid: KEYID, sig: signatureOf("moved", "3.0.0") }], attestations: { url: "/-/npm/v1/attestations/moved@3.0.0" } } },
  };
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      requests++;
      const path = new URL(req.url).pathname;
      if (path.startsWith("/plain-registry/")) return new Response("not found", { status: 404 });
      if (path === "/-/npm/v1/keys") return Response.json({ keys: [{ keyid: KEYID, key: publicKey.export({ type: "spki", format: "der" }).toString("base64"), expires: null, scheme: "ecdsa-sha2-nistp256" }] });
      if (path === "/-/npm/v1/attestations/good@1.0.0") return Response.json({ attestations: [{ predicateType: "https://slsa.dev/provenance/v1", bundle: provenance("https://github.com/acme/good") }] });
      if (path === "/-/npm/v1/attestations/moved@3.0.0") return Response.json({ attestations: [{ predicateType: "https://slsa.dev/provenance/v1", bundle: provenance("https://github.com/someone-else/moved") }] });
      const body = versions[path.slice(1)];
      return body ? Response.json(body) : new Response("not found", { status: 404 });
    },
  });
});
afterAll(() => server?.stop(true));

describe("deps verify", () => {
  let project: TestDir;
  let cache: TestDir;
  beforeAll(async () => {
    project = await testdir({ "package.json": "{}", "bun.lock": lock([["good", "1.0.0"], ["forged", "1.0.0"], ["plain", "2.0.0"], ["moved", "3.0.0"]]) });
    cache = await makeTempDir("bunseal-deps-cache-");
  });
  afterAll(async () => {
    await Promise.all([project.cleanup(), cache.cleanup()]);
  });

  test("checks each signature, finds provenance, and flags a forged signature and a moved repository", async () => {
    const report = await verifyDependencies(project.path, { registry: `http://127.0.0.1:${server.port}`, cacheDir: cache.path });
    const by = Object.fromEntries(report.packages.map((p) => [p.name, p]));
    expect(by.good!.signature).toEqual({ state: "valid", keyid: KEYID });
    expect(by.good!.provenance).toMatchObject({ state: "unverified", repository: "github.com/acme/good", declared: "github.com/acme/good" });
    expect(by.forged!.signature.state).toBe("invalid");
    expect(by.forged!.ok).toBe(false);
    expect(by.plain!.signature.state).toBe("unsigned");
    expect(by.plain!.provenance.state).toBe("none");
    expect(by.moved!.provenance).toMatchObject({ state: "mismatch", repository: "github.com/someone-else/moved", declared: "github.com/acme/moved" });
    expect(report.counts).toEqual({ total: 4, signed: 2, withProvenance: 1, failures: 2 });
  });

  test("a second run with --offline answers from the cache without the network", async () => {
    const before = requests;
    const report = await verifyDependencies(project.path, { registry: `http://127.0.0.1:${server.port}`, cacheDir: cache.path, offline: true });
    expect(requests).toBe(before);
    expect(report.counts.failures).toBe(2);
  });

  test("the CLI exits 1 on failures, and a registry without keys or attestations is reported as such (exit 0)", async () => {
    const out = await runCli(["deps", "verify", project.path, "--registry", `http://127.0.0.1:${server.port}`, "--cache", cache.path, "--json"]);
    expect(out.exitCode).toBe(1);
    // the CLI verifies provenance bundles keylessly: this registry's are unsigned stand-ins, so they fail
    const good = out.json().packages.find((p: { name: string }) => p.name === "good");
    expect(good.provenance.state).toBe("invalid");
    const plain = await runCli(["deps", "verify", project.path, "--registry", `http://127.0.0.1:${server.port}/plain-registry`, "--cache", join(cache.path, "plain")]);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toContain("not available from this registry");
  });
});

test("repository URLs compare by what they name", () => {
  for (const spelling of ["git+https://github.com/Acme/Shop.git", "git@github.com:acme/shop.git", "github:acme/shop", "acme/shop", "https://github.com/acme/shop/", { type: "git", url: "git://github.com/acme/shop" }]) {
    expect(normalizeRepository(spelling)).toBe("github.com/acme/shop");
  }
  expect(normalizeRepository(undefined)).toBeNull();
});
