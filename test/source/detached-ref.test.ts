/**
 * Issue #20, 5: a detached HEAD (a tag checkout by actions/checkout, every
 * GitLab job) recorded `ref: null`, so a policy's `"refs": ["refs/tags/v*"]`
 * failed every tag release. The ref is now what bunseal measures in the
 * repository: a tag pointing at HEAD, or the CI's declared ref when the
 * repository shows it pointing at HEAD (the environment alone is never believed).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { readHead } from "../../src/source/git.ts";
import { runCli } from "../helpers/cli.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import { git, gitCommitAll, gitRepo } from "../helpers/git.ts";
import { makeTempDir } from "../helpers/testdir.ts";

const NO_CI = {};

/** a repository with two commits, tag(s) on the second, checked out detached at `at` */
async function detachedRepo(tags: { name: string; annotated?: boolean }[], at = tags[0]?.name ?? "HEAD") {
  const repo = await gitRepo({ "a.ts": "1" }, { remote: "https://github.com/acme/service.git" });
  await Bun.write(join(repo.path, "a.ts"), "2");
  const head = await gitCommitAll(repo.path, "second");
  for (const tag of tags) await git(repo.path, tag.annotated ? ["tag", "-a", "-m", tag.name, tag.name] : ["tag", tag.name]);
  await git(repo.path, ["checkout", "-q", "--detach", at]);
  return Object.assign(repo, { head });
}

describe("the ref of a detached HEAD", () => {
  test("a tag checkout records the tag (lightweight or annotated)", async () => {
    await using light = await detachedRepo([{ name: "v1.2.3" }]);
    expect((await readHead(light.path, { env: NO_CI })).ref).toBe("refs/tags/v1.2.3");
    await using annotated = await detachedRepo([{ name: "v2.0.0", annotated: true }]);
    expect((await readHead(annotated.path, { env: NO_CI })).ref).toBe("refs/tags/v2.0.0");
  });

  test("several tags at HEAD: the highest by git's version order, whatever order they were made in", async () => {
    await using repo = await detachedRepo([{ name: "v1.10.0" }, { name: "latest" }, { name: "v1.9.0", annotated: true }]);
    expect((await readHead(repo.path, { env: NO_CI })).ref).toBe("refs/tags/v1.10.0");
  });

  test("no ref points at HEAD: null, as before", async () => {
    await using repo = await detachedRepo([]);
    await git(repo.path, ["checkout", "-q", "--detach", "HEAD~1"]);
    expect((await readHead(repo.path, { env: { GITHUB_REF: "refs/heads/main", CI_COMMIT_REF_NAME: "main" } })).ref).toBeUndefined();
  });

  test("GitHub's declared tag wins over other tags at HEAD, when the repository shows it there", async () => {
    await using repo = await detachedRepo([{ name: "v1.2.3" }, { name: "v1.2.3-rc.1" }]);
    expect((await readHead(repo.path, { env: { GITHUB_REF: "refs/tags/v1.2.3-rc.1" } })).ref).toBe("refs/tags/v1.2.3-rc.1");
  });

  test("rejects a declared ref the repository does not show at HEAD: the environment alone is never believed", async () => {
    await using repo = await detachedRepo([{ name: "v1.2.3" }]);
    await git(repo.path, ["tag", "v9.9.9", "HEAD~1"]);
    expect((await readHead(repo.path, { env: { GITHUB_REF: "refs/tags/v9.9.9" } })).ref).toBe("refs/tags/v1.2.3");
    expect((await readHead(repo.path, { env: { GITHUB_REF: "refs/tags/v10.0.0" } })).ref).toBe("refs/tags/v1.2.3");
    expect((await readHead(repo.path, { env: { CI_COMMIT_TAG: "v9.9.9", CI_COMMIT_REF_NAME: "v9.9.9" } })).ref).toBe("refs/tags/v1.2.3");
  });

  test("GitLab: CI_COMMIT_TAG names the tag; a branch job's CI_COMMIT_REF_NAME is confirmed by origin's branch at HEAD", async () => {
    await using tagged = await detachedRepo([{ name: "v3.0.0" }, { name: "v3.0.0-hotfix" }]);
    expect((await readHead(tagged.path, { env: { CI_COMMIT_TAG: "v3.0.0-hotfix", CI_COMMIT_REF_NAME: "v3.0.0-hotfix" } })).ref).toBe("refs/tags/v3.0.0-hotfix");
    await using branch = await detachedRepo([]);
    // GitLab fetches the branch as origin's, and checks the commit out detached
    await git(branch.path, ["update-ref", "refs/remotes/origin/release", "HEAD"]);
    expect((await readHead(branch.path, { env: { CI_COMMIT_REF_NAME: "release", CI_COMMIT_BRANCH: "release" } })).ref).toBe("refs/heads/release");
    expect((await readHead(branch.path, { env: { CI_COMMIT_REF_NAME: "other" } })).ref).toBeUndefined();
  });

  test("on a branch, the branch, whatever the environment declares", async () => {
    await using repo = await detachedRepo([{ name: "v1.0.0" }]);
    await git(repo.path, ["checkout", "-q", "main"]);
    expect((await readHead(repo.path, { env: { GITHUB_REF: "refs/tags/v1.0.0" } })).ref).toBe("refs/heads/main");
  });
});

test("a tag release built detached passes a policy's refs/tags/v* (build and verify through the CLI)", async () => {
  await using repo = await exampleServiceRepo();
  await using work = await makeTempDir("bunseal-detached-ref-");
  await git(repo.path, ["tag", "-a", "-m", "release", "v1.4.0"]);
  await git(repo.path, ["checkout", "-q", "--detach", "v1.4.0"]);
  expect((await runCli(["keygen", "--out", join(work.path, "keys")])).exitCode).toBe(0);
  const built = await runCli(["build", repo.path, "--key", join(work.path, "keys", "bunseal.key"), "--out", join(work.path, "out"), "--json"], { env: { GITHUB_REF: "", CI_COMMIT_TAG: "", CI_COMMIT_REF_NAME: "" } });
  expect(built.exitCode, built.stderr).toBe(0);
  const policy = join(work.path, "policy.json");
  await Bun.write(policy, JSON.stringify({ signers: [{ publicKey: await Bun.file(join(work.path, "keys", "bunseal.pub")).text() }], refs: ["refs/tags/v*"] }));
  const out = await runCli(["verify", built.json().artifact.path, "--policy", policy, "--json"]);
  expect(out.exitCode, out.stdout).toBe(0);
  expect(out.json().policy.results).toContainEqual(expect.objectContaining({ rule: "refs", passed: true, found: "refs/tags/v1.4.0" }));
}, 120_000);
