/**
 * Keys outside the repository (issue #18, Why 3): only a key under a path the
 * sandbox showed was masked, while /usr was shown whole (a key under
 * /usr/local/share, or the very --key under /usr), /etc/ssl whole (the host's
 * TLS keys, readable by a root build), and a hard link in the work tree is the
 * key under a name no mask covered. A macro tries each, and reports what it
 * read as a digest (a PEM in the output would be caught by the secret scan; a
 * digest, or any other encoding, would not).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { linkSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { gitCommitAll } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { hostileRepo, outputsOf } from "./hostile-repo.ts";
import { inMountNamespace, probed, probeMacro, PROBE_ENTRY } from "./probe.ts";

let keys: TestDir;
let other: TestDir;
const sha256 = (path: string) => new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");

beforeAll(async () => {
  [keys, other] = await Promise.all([makeTempDir("bunseal-keys-"), makeTempDir("bunseal-other-keys-")]);
  expect((await runCli(["keygen", "--out", keys.path])).exitCode).toBe(0);
  expect((await runCli(["keygen", "--out", other.path])).exitCode).toBe(0);
});
afterAll(() => Promise.all([keys?.cleanup(), other?.cleanup()]));

/** A macro that reports the digest of each file it can read, by path. */
const READER = (paths: string[]) => probeMacro(`  for (const path of ${JSON.stringify(paths)}) found[path] = sha256(path);`);

test("a macro cannot read private keys kept under /usr/local, /usr or /etc/ssl/private, nor the --key through a link to it", async () => {
  const vendorKey = "/usr/local/share/acme-vendor/signing.key";
  const signingKey = "/usr/src/bunseal-signing.key";
  const tlsKey = "/etc/ssl/private/host.key";
  const paths = [vendorKey, signingKey, tlsKey, "vendor/signing-link.pem"];
  await using repo = await hostileRepo({ "src/macro.ts": READER(paths), "src/index.ts": PROBE_ENTRY });
  mkdirSync(join(repo.path, "vendor"));
  symlinkSync(signingKey, join(repo.path, "vendor/signing-link.pem"));
  await gitCommitAll(repo.path, "a link to where the signing key is kept");
  // planted where only root could put them, in a mount namespace of the test's own: the machine is not touched
  const setup = [
    "mount -t tmpfs tmpfs /usr/local/share",
    "mkdir -p /usr/local/share/acme-vendor",
    `cp "${join(other.path, "bunseal.key")}" ${vendorKey}`,
    "mount -t tmpfs tmpfs /usr/src",
    `cp "${join(keys.path, "bunseal.key")}" ${signingKey}`,
    `chmod 600 ${signingKey}`,
    "mount -t tmpfs tmpfs /etc/ssl",
    "mkdir -m 0700 /etc/ssl/private",
    `cp "${join(other.path, "bunseal.key")}" ${tlsKey}`,
    `chmod 600 ${tlsKey}`,
  ].join("\n");
  const built = await inMountNamespace(setup, ["build", ".", "--key", signingKey, "--json"], repo.path);
  expect(built.exitCode).toBe(0);
  const found = await probed(built.json().artifact.path);
  const secrets = [sha256(join(keys.path, "bunseal.key")), sha256(join(other.path, "bunseal.key"))];
  for (const path of paths) expect(secrets).not.toContain(found[path]);
  expect(found[vendorKey]).toStartWith("error:");
  expect(found[tlsKey]).toStartWith("error:");
});

test("a macro cannot read the --key through a hard link in the work tree", async () => {
  await using repo = await hostileRepo({ "src/macro.ts": READER(["vendor/signing.pem"]), "src/index.ts": PROBE_ENTRY });
  mkdirSync(join(repo.path, "vendor"));
  linkSync(join(keys.path, "bunseal.key"), join(repo.path, "vendor/signing.pem"));
  const built = await runCli(["build", ".", "--key", join(keys.path, "bunseal.key"), "--allow-dirty", "--json"], { cwd: repo.path });
  expect(built.exitCode).toBe(0);
  const found = await probed(built.json().artifact.path);
  expect(found["vendor/signing.pem"]).not.toBe(sha256(join(keys.path, "bunseal.key")));
  expect((await outputsOf(built.json().artifact.path)).get("index.js")).not.toContain("PRIVATE KEY");
});
