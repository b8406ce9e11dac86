/**
 * Rebuild stage `install`: the dependencies exactly as recorded. The
 * checkout's lockfile (bun.lock or bun.lockb, in the workspace root when the
 * project is a workspace member) must be the one the build used; install
 * scripts run only if the original build let them run, and only for the
 * packages it trusted.
 */
import { packageLabel } from "../attest/provenance.ts";
import { BunsealError } from "../errors.ts";
import { readLockfile } from "../inputs/lockfile.ts";
import { bunToolEnv } from "../sandbox/child-env.ts";
import { exec, tail } from "../util/exec.ts";
import type { RecordedBuild } from "./recorded.ts";

export interface InstallResult {
  /** sha256:<hex> of the checkout's lockfile (bun.lock or bun.lockb), or null when it has none */
  lockfileDigest: string | null;
  /** whether it matches the recorded one */
  lockfileMatches: boolean;
  scripts: "none" | "trusted";
}

export async function installDependencies(projectDir: string, recorded: RecordedBuild, bunPath: string, env: Record<string, string | undefined>): Promise<InstallResult> {
  // the install runs where the lockfile is: a workspace member installs from its workspace root
  const lock = await readLockfile(projectDir, { bunPath });
  const lockfileDigest = lock ? `sha256:${lock.sha256}` : null;
  const lockfileMatches = lockfileDigest === recorded.internal.lockfileDigest;
  if (!lock) return { lockfileDigest, lockfileMatches, scripts: "none" };

  // Packages whose scripts the original build ran; the checkout may not add to them.
  const recordedTrusted = new Set(recorded.trustedScripts);
  const nowTrusted = lock.lockfile.packages.filter((p) => p.installScripts && p.trusted && p.source !== "workspace" && p.source !== "root").map((p) => `${packageLabel(p)}@${p.version}`);
  const added = nowTrusted.filter((key) => !recordedTrusted.has(key));
  if (added.length > 0) {
    throw new BunsealError("INSTALL_SCRIPTS_CHANGED", `the checkout would run install scripts the original build did not: ${added.join(", ")}; expected the recorded set (${[...recordedTrusted].join(", ") || "none"})`, { file: lock.path, field: "trustedDependencies", expected: [...recordedTrusted].join(", ") || "none", found: added.join(", ") });
  }
  const scripts = recordedTrusted.size > 0 ? "trusted" : "none";
  const args = [bunPath, "install", "--frozen-lockfile", "--no-progress", ...(scripts === "none" ? ["--ignore-scripts"] : [])];
  // the registry settings of the host, and nothing else of it: install scripts run with this environment
  const result = await exec(args, { cwd: lock.dir, env: bunToolEnv(env), failCode: "BUN_FAILED" });
  if (result.exitCode !== 0) {
    throw new BunsealError("INSTALL_FAILED", `bun install --frozen-lockfile failed in the checkout (exit ${result.exitCode}):\n${tail(result.stderr || result.stdout)}`, { file: lock.path, expected: `an install that matches ${lock.name}` });
  }
  return { lockfileDigest, lockfileMatches, scripts };
}
