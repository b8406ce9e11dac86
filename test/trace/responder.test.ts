/**
 * Issue 20, items 11 and 16: what a responder holds is what trace takes. A
 * short digest as `pins`, rollback and the console print it (12+ hex, with or
 * without `sha256:`), a commit, and no store at all (a mistyped path must not
 * be answered from an empty store bunseal made for the occasion). Times are
 * printed in UTC to the second, saying so.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { openStore } from "../../src/store/open-store.ts";
import { runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(120_000);

let repo: GitRepo;
let work: TestDir;
let store: string;
let digest: string;
let fileDigest: string;
let commit: string;
const trace = (...args: string[]) => runCli(["trace", ...args, "--store", store]);

beforeAll(async () => {
  [repo, work] = await Promise.all([
    gitRepo({ ".gitignore": ".bunseal/\n", "package.json": JSON.stringify({ name: "responder", private: true }), "bunseal.json": JSON.stringify({ service: "responder", entrypoints: ["src/index.ts"] }), "src/index.ts": "console.log('traced');\n" }),
    makeTempDir("bunseal-trace-responder-"),
  ]);
  store = `sqlite:${join(work.path, "store.db")}`;
  await runCli(["keygen", "--out", work.path]);
  const built = await runCli(["build", repo.path, "--key", join(work.path, "bunseal.key"), "--store", store, "--json"]);
  expect(built.exitCode).toBe(0);
  digest = built.json().artifact.digest.slice(7);
  const opened = await openStore(store);
  const record = (await opened.getArtifact(digest))!;
  fileDigest = record.files[0]!.digest;
  commit = record.commit;
  // a second record whose digest shares the real one's first 13 hex: what a short digest cannot tell apart
  await opened.putArtifact({ ...record, digest: `${digest.slice(0, 13)}${digest[13] === "0" ? "1" : "0"}${digest.slice(14)}`, name: "twin.tar" });
  await opened.close();
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), work?.cleanup()]);
});

test("a unique short digest (14 hex, with or without sha256:, any case) traces its artifact; one of a file inside traces the file", async () => {
  for (const short of [digest.slice(0, 14), `sha256:${digest.slice(0, 14)}`, `SHA256:${digest.slice(0, 20).toUpperCase()}`]) {
    const out = await trace(short, "--json");
    expect({ short, exit: out.exitCode }).toEqual({ short, exit: 0 });
    expect(out.json().target).toEqual({ input: short, digest, kind: "artifact" });
    expect(out.json().matches[0].verifies).toBe(true);
  }
  const file = await trace(fileDigest.slice(0, 12), "--json");
  expect(file.exitCode).toBe(0);
  expect(file.json().target).toEqual({ input: fileDigest.slice(0, 12), digest: fileDigest, kind: "file" });
});

test("a short digest two artifacts start is refused with both listed (exit 2, DIGEST_AMBIGUOUS), never resolved to one", async () => {
  const out = await trace(`sha256:${digest.slice(0, 12)}`, "--json");
  expect(out.exitCode).toBe(2);
  expect(out.json().error.code).toBe("DIGEST_AMBIGUOUS");
  expect(out.json().error.message).toStartWith(`sha256:${digest.slice(0, 12)} is the prefix of 2 digests in `);
  expect(out.json().error.message).toContain(`sha256:${digest} (artifact)`);
  const human = await trace(digest.slice(0, 12));
  expect(human.exitCode).toBe(2);
  expect(human.stderr).toContain("expected a longer prefix naming one of them");
});

test("a short digest under 12 hex is a usage error, told before any store is opened", async () => {
  const out = await runCli(["trace", `sha256:${digest.slice(0, 11)}`, "--store", join(work.path, "nowhere", "store.db"), "--json"]);
  expect(out.exitCode).toBe(2);
  expect(out.json().error.code).toBe("USAGE");
  expect(out.json().error.message).toStartWith(`TARGET: expected sha256:<hex> or hex, 12 to 64 characters (a unique prefix of a digest), got "sha256:${digest.slice(0, 11)}"`);
  expect(existsSync(join(work.path, "nowhere"))).toBe(false);
});

test("trace without a store reads none and makes none: no ~/.bunseal/store.db appears", async () => {
  const home = await makeTempDir("bunseal-trace-home-");
  try {
    const out = await runCli(["trace", `sha256:${digest}`, "--json"], { env: { HOME: home.path, BUNSEAL_STORE: "" } });
    expect(out.exitCode).toBe(2);
    expect(out.json().error.code).toBe("STORE_INVALID");
    expect(out.json().error.message).toStartWith(`no store at ${join(home.path, ".bunseal", "store.db")}: expected a store that build --store or store import made`);
    expect(existsSync(join(home.path, ".bunseal"))).toBe(false);
    const pkg = await runCli(["trace", "--package", "hono", "--store", join(home.path, "typo.db"), "--json"], { env: { HOME: home.path } });
    expect(pkg.exitCode).toBe(2);
    expect(existsSync(join(home.path, "typo.db"))).toBe(false);
  } finally {
    await home.cleanup();
  }
});

test("trace --commit lists the artifacts built from a commit prefix, with where each is pinned", async () => {
  const out = await trace("--commit", commit.slice(0, 7), "--json");
  expect(out.exitCode).toBe(0);
  expect(out.json().commit).toEqual({ prefix: commit.slice(0, 7) });
  expect(out.json().matches.map((m: { artifact: { digest: string } }) => m.artifact.digest).sort()).toContain(digest);
  expect(out.json().more).toBe(false);
  const human = await trace("--commit", commit.slice(0, 10).toUpperCase());
  expect(human.exitCode).toBe(0);
  expect(human.stdout).toStartWith(`commit ${commit.slice(0, 10)}: 2 artifact(s)\n`);
  expect(human.stdout).toMatch(/^ {2}\S+\.tar {2}responder {2}[0-9a-f]{12} {2}built \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}pinned nowhere$/m);
  const none = await trace("--commit", "0000000", "--json");
  expect(none.exitCode).toBe(1);
  expect(none.json().error.code).toBe("NOT_FOUND");
  const bad = await trace("--commit", "xyz", "--json");
  expect(bad.exitCode).toBe(2);
  expect((await trace(digest, "--commit", commit, "--json")).json().error.message).toStartWith("expected one of a TARGET, --package NAME[@VERSION] or --commit PREFIX");
});

test("times are printed in UTC to the second, with Z", async () => {
  const out = await trace(`sha256:${digest}`);
  expect(out.exitCode).toBe(0);
  expect(out.stdout).toMatch(/^ {4}built {8}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ by /m);
});

test("a file several artifacts share is traced a page at a time (--limit, --after), with the count of all", async () => {
  const first = await trace(`sha256:${fileDigest}`, "--limit", "1", "--json");
  expect(first.exitCode).toBe(0);
  expect(first.json()).toMatchObject({ target: { kind: "file" }, count: 2 });
  expect(first.json().matches).toHaveLength(1);
  const second = await trace(`sha256:${fileDigest}`, "--limit", "1", "--after", first.json().nextCursor, "--json");
  expect(second.json()).toMatchObject({ count: 2, nextCursor: null });
  expect([first.json().matches[0].artifact.digest, second.json().matches[0].artifact.digest].sort()).toContain(digest);
  const human = await trace(`sha256:${fileDigest}`, "--limit", "1");
  expect(human.stdout).toStartWith(`sha256:${fileDigest} is a file in 2 artifact(s); 1 here, newest first\n`);
  expect(human.stdout).toContain(`more: --after ${first.json().nextCursor}\n`);
});
