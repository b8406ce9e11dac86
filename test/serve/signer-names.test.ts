/**
 * Issue 20, What 5, in the console: `bunseal serve --signers FILE` names the
 * signer of an artifact whose attestation verified, on the artifact page
 * (through /api/trace, as `trace --signers --json` adds `signerName`). A name
 * is a label: none for a signer the file does not name, none without the file.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { startConsole } from "../../src/serve/server.ts";
import { loadSignerNames } from "../../src/signers/load.ts";
import { keyIdOf, loadPublicKey } from "../../src/sign/keys.ts";
import { openStore } from "../../src/store/open-store.ts";
import { cliCommand, REPO_ROOT, runCli } from "../helpers/cli.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { buildArtifact, importAndPin, type BuiltArtifact } from "./fixture.ts";
import { readFirstLine } from "../helpers/first-line.ts";

setDefaultTimeout(120_000);

let built: BuiltArtifact;
let dir: TestDir;
let spec: string;
let signers: string;

beforeAll(async () => {
  [built, dir] = await Promise.all([buildArtifact(), makeTempDir("bunseal-serve-signers-")]);
  spec = `sqlite:${join(dir.path, "store.db")}`;
  await importAndPin(built, spec, "prod");
  signers = join(dir.path, "signers.json");
  await Bun.write(signers, JSON.stringify({ signers: [{ name: "Release CI", keyId: keyIdOf(await loadPublicKey(built.pub)) }] }));
});
afterAll(async () => {
  await Promise.all([built?.cleanup(), dir?.cleanup()]);
});

test("/api/trace names the verified signer with a signers file, and is unchanged without one", async () => {
  const store = await openStore(spec);
  const named = await startConsole({ store, hostname: "127.0.0.1", port: 0, names: await loadSignerNames(signers) });
  const plain = await startConsole({ store, hostname: "127.0.0.1", port: 0 });
  try {
    const withNames = (await (await fetch(new URL(`/api/trace/sha256:${built.digest}`, named.url))).json()) as any;
    expect(withNames.matches[0]).toMatchObject({ verifies: true, signerName: "Release CI" });
    const without = (await (await fetch(new URL(`/api/trace/sha256:${built.digest}`, plain.url))).json()) as any;
    expect(without.matches[0].verifies).toBe(true);
    expect(without.matches[0]).not.toHaveProperty("signerName");
    // the same answer as the CLI's trace --signers --json
    const cli = await runCli(["trace", `sha256:${built.digest}`, "--signers", signers, "--store", spec, "--json"]);
    expect(cli.json().matches[0].signerName).toBe("Release CI");
  } finally {
    await named.stop();
    await plain.stop();
    await store.close();
  }
});

test("bunseal serve --signers: a broken file is CONFIG_INVALID, exit 2, before anything listens; a good one names the signer", async () => {
  const broken = join(dir.path, "broken.json");
  await Bun.write(broken, "{ not json");
  const refused = await runCli(["serve", "--listen", "127.0.0.1:0", "--signers", broken, "--store", spec]);
  expect(refused.exitCode).toBe(2);
  expect(refused.stderr).toContain("CONFIG_INVALID");
  expect(refused.stdout).toBe("");
  const proc = Bun.spawn(cliCommand(["serve", "--listen", "127.0.0.1:0", "--signers", signers, "--store", spec]), { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  try {
    const text = await readFirstLine(proc.stdout);
    const url = text.split("\n")[0]!;
    const body = (await (await fetch(new URL(`/api/trace/sha256:${built.digest}`, url))).json()) as any;
    expect(body.matches[0].signerName).toBe("Release CI");
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
  }
});
