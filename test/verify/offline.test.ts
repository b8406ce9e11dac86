/**
 * Verification makes no network call, on any path: keyless against the
 * production root shipped in @sigstore/tuf, keyless against a given root,
 * key-signed and logged, and bunseal's own key-signed bundles. Proven three
 * ways: the CLI passes in a network namespace with no interface up (when the
 * kernel lets us make one), and with every proxy pointing at a closed port;
 * and nothing that can fetch (the `sigstore` umbrella, the TUF client, the
 * signer) is in the verifier's module graph at all.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { BIN, REPO_ROOT, runCli } from "../helpers/cli.ts";
import { conformanceArgs } from "./conformance-cases.ts";

const BUNSEAL_FIXTURE = join(REPO_ROOT, "test", "fixtures", "attestations", "valid", "key-signed");
const CASES: Record<string, string[]> = {
  "keyless, production root from the @sigstore/tuf seed": conformanceArgs("happy-path-v0.1"),
  "keyless DSSE, production root": conformanceArgs("happy-path-intoto-in-dsse-v3"),
  "keyless Rekor v2 with a TSA timestamp, given root": conformanceArgs("rekor2-happy-path"),
  "key-signed and logged, production root": conformanceArgs("managed-key-happy-path"),
  "bunseal's own key-signed bundle": ["verify", join(BUNSEAL_FIXTURE, "artifact.tar"), "--bundle", join(BUNSEAL_FIXTURE, "bundle.sigstore.json"), "--key", join(BUNSEAL_FIXTURE, "key.pub")],
};

const canUnshare = Bun.spawnSync(["unshare", "--net", "true"], { stderr: "ignore" }).exitCode === 0;

async function closedPort(): Promise<number> {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = server.port!;
  await server.stop(true);
  return port;
}

describe.skipIf(!canUnshare)("in a network namespace with no network", () => {
  for (const [what, args] of Object.entries(CASES)) {
    test(`verifies ${what}`, async () => {
      const proc = Bun.spawn(["unshare", "--net", "--", process.execPath, BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" });
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      expect(code, `${stdout}\n${stderr}`).toBe(0);
      expect(stdout).toStartWith("OK:");
    });
  }
});

describe("with every proxy pointing at a closed port", () => {
  for (const [what, args] of Object.entries(CASES)) {
    test(`verifies ${what}`, async () => {
      const dead = `http://127.0.0.1:${await closedPort()}`;
      const env = { HTTPS_PROXY: dead, HTTP_PROXY: dead, https_proxy: dead, http_proxy: dead, ALL_PROXY: dead, NO_PROXY: "" };
      const out = await runCli(args, { env });
      expect(out.exitCode, `${out.stdout}\n${out.stderr}`).toBe(0);
    });
  }
});

test("nothing that can fetch is in the verifier's module graph (dynamic imports included)", async () => {
  for (const entry of ["src/verify/verify-bundle.ts", "src/cli/commands/verify.ts"]) {
    const built = await Bun.build({ entrypoints: [join(REPO_ROOT, entry)], target: "bun", metafile: true });
    const graph = built.metafile!.inputs;
    // `verify --vsa` signs a summary after the verification, with build's signers (keyless: Fulcio and
    // Rekor); only that step may reach them, so the graph is walked without entering the signing modules
    const reachable = reachableFrom(graph, Object.keys(graph).find((p) => p.endsWith(entry))!, (p) => SIGNING_MODULES.some((m) => p.endsWith(m)));
    expect(reachable.size).toBeGreaterThan(10);
    // seeds.json (data) is the only file of @sigstore/tuf allowed: its dist/ is the TUF client, which updates over HTTPS
    const networked = [...reachable].filter((p) => /node_modules\/(sigstore|tuf-js|make-fetch-happen|@sigstore\/sign|@sigstore\/tuf\/(?!seeds\.json))/.test(p));
    expect(networked, entry).toEqual([]);
    expect([...reachable].some((p) => p.endsWith("@sigstore/tuf/seeds.json"))).toBe(true);
    if (entry === "src/verify/verify-bundle.ts") expect(Object.keys(graph).filter((p) => SIGNING_MODULES.some((m) => p.endsWith(m)))).toEqual([]);
  }
});

/** the modules that sign (and, keyless, reach Fulcio and Rekor): verify loads them only to sign a --vsa summary */
const SIGNING_MODULES = ["src/sign/sign-statement.ts", "src/sign/keyless-signer.ts"];

function reachableFrom(graph: Record<string, { imports: { path: string }[] }>, entry: string, stop: (path: string) => boolean): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const path = queue.pop()!;
    if (seen.has(path) || stop(path) || !graph[path]) continue;
    seen.add(path);
    for (const next of graph[path].imports) queue.push(next.path);
  }
  return seen;
}
