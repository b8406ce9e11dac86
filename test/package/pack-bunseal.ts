/**
 * bunseal's package as `bun pm pack` makes it (issue #23): from a clean clone of
 * the current commit (HEAD of this checkout, not its uncommitted changes), whose
 * prepack is `bunseal build` of bunseal itself, signed with a release key made
 * here. For tests that install the package (test/package, test/ci/gitlab).
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { REPO_ROOT } from "../helpers/cli.ts";
import { git } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

export interface PackedBunseal extends TestDir {
  /** the clean clone the package was packed from */
  clone: string;
  commit: string;
  tarball: string;
  /** the release key's public half */
  releasePub: string;
}

export async function runIn(cmd: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
  // `bunx` and the `bun` of bunseal's shebang are the Bun running the tests
  const path = `${dirname(process.execPath)}:${process.env.PATH ?? ""}`;
  const merged = Object.fromEntries(Object.entries({ ...process.env, PATH: path, NO_COLOR: "1", ...env }).filter(([, value]) => value !== undefined)) as Record<string, string>;
  const proc = Bun.spawn(cmd, { cwd, env: merged, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out, err };
}

export async function okIn(cmd: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<string> {
  const result = await runIn(cmd, cwd, env);
  if (result.code !== 0) throw new Error(`${cmd.join(" ")} exited ${result.code}\n--- stdout\n${result.out}\n--- stderr\n${result.err}`);
  return result.out;
}

export async function packBunseal(prefix = "bunseal-pack-"): Promise<PackedBunseal> {
  const dir = await makeTempDir(prefix);
  try {
    const clone = join(dir.path, "clone");
    // the commit checked out here, by a fetch of HEAD (it need be on no branch); safe.directory: the checkout may
    // belong to another user, and the upload-pack that reads it is a process of its own, which `-c` does not reach
    const uploadPack = ["--upload-pack", "git -c safe.directory='*' upload-pack"];
    const commit = (await git(REPO_ROOT, ["-c", "safe.directory=*", "rev-parse", "HEAD"])).trim();
    await git(dir.path, ["-c", "safe.directory=*", "clone", "--quiet", "--no-checkout", ...uploadPack, REPO_ROOT, clone]);
    await git(clone, ["-c", "safe.directory=*", "fetch", "--quiet", ...uploadPack, REPO_ROOT, commit]);
    await git(clone, ["checkout", "--quiet", "--detach", commit]);
    await okIn([process.execPath, "install", "--frozen-lockfile"], clone);
    const keys = join(dir.path, "keys");
    await okIn([process.execPath, join(clone, "bin", "bunseal"), "keygen", "--out", keys], clone);
    const out = join(dir.path, "out");
    await okIn([process.execPath, "pm", "pack", "--destination", out, "--quiet"], clone, { BUNSEAL_RELEASE_KEY: join(keys, "bunseal.key"), BUNSEAL_RELEASE_KEYLESS: undefined });
    const name = readdirSync(out).find((f) => f.endsWith(".tgz"));
    if (!name) throw new Error(`bun pm pack wrote no .tgz into ${out}`);
    return { ...dir, clone, commit, tarball: join(out, name), releasePub: join(keys, "bunseal.pub") };
  } catch (error) {
    await dir.cleanup();
    throw error;
  }
}
