/**
 * Rebuild stage `install`: the dependencies exactly as recorded. The
 * checkout's lockfile (bun.lock or bun.lockb, in the workspace root when the
 * project is a workspace member) must be the one the build used; install
 * scripts run only if the original build let them run, and only for the
 * packages it trusted.
 *
 * The install is project code: the checkout's bunfig.toml and .npmrc steer it,
 * and a trusted package's script runs with it. It runs in the build's sandbox
 * (src/sandbox/bwrap.ts): its own PID namespace (no bunseal process, no
 * `--key` on any command line it can list), the rebuilder's key masked, the
 * checkout's `.git` masked, the network on for the registry, and only the
 * checkout and the package cache writable. The cache is the user's when no
 * script runs (Bun alone writes it, checking each package against the
 * lockfile's integrity), and a fresh one when trusted scripts run: a script
 * could rewrite a cached package, and every later install of it, here or in
 * the user's other projects, would take it as it found it. The root package's and the
 * workspace members' own lifecycle scripts never run: the original build ran
 * no install, so nothing it recorded came from them, and Bun would run them
 * whatever trustedDependencies says (issue #18, Why 4: a root postinstall that
 * read the key's path from /proc and copied it).
 */
import { existsSync, realpathSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { packageLabel } from "../attest/provenance.ts";
import { BunsealError } from "../errors.ts";
import { readLockfile } from "../inputs/lockfile.ts";
import { handTreeToSandbox, sandboxArgv, sandboxAvailability, switchesUser } from "../sandbox/bwrap.ts";
import { bunToolEnv } from "../sandbox/child-env.ts";
import { exec, tail } from "../util/exec.ts";
import type { RecordedBuild } from "./recorded.ts";

/** The scripts Bun runs for a package of the work tree itself on `bun install`. */
const OWN_LIFECYCLE = ["preinstall", "install", "postinstall", "preprepare", "prepare", "postprepare"];

export interface InstallPlace {
  /** the checkout's top level: what the install may see (its .git masked) */
  repoRoot: string;
  /** a folder of the rebuild's own, outside the checkout, for the install's package cache and home */
  scratch: string;
  /** files that must stay unreadable wherever they lie: the rebuilder's key */
  deny: readonly string[];
}

export interface InstallResult {
  /** sha256:<hex> of the checkout's lockfile (bun.lock or bun.lockb), or null when it has none */
  lockfileDigest: string | null;
  /** whether it matches the recorded one */
  lockfileMatches: boolean;
  scripts: "none" | "trusted";
  /** "bubblewrap" when the install ran in the sandbox; "none" (and no scripts at all) when this machine has none */
  sandbox: "bubblewrap" | "none";
  /** why a trusted script was not run */
  note?: string;
}

export async function installDependencies(projectDir: string, recorded: RecordedBuild, bunPath: string, env: Record<string, string | undefined>, place: InstallPlace): Promise<InstallResult> {
  // the install runs where the lockfile is: a workspace member installs from its workspace root
  const lock = await readLockfile(projectDir, { bunPath, repoRoot: place.repoRoot });
  const lockfileDigest = lock ? `sha256:${lock.sha256}` : null;
  const lockfileMatches = lockfileDigest === recorded.internal.lockfileDigest;
  if (!lock) return { lockfileDigest, lockfileMatches, scripts: "none", sandbox: "none" };

  // Packages whose scripts the original build ran; the checkout may not add to them.
  const recordedTrusted = new Set(recorded.trustedScripts);
  const nowTrusted = lock.lockfile.packages.filter((p) => p.installScripts && p.trusted && p.source !== "workspace" && p.source !== "root").map((p) => `${packageLabel(p)}@${p.version}`);
  const added = nowTrusted.filter((key) => !recordedTrusted.has(key));
  if (added.length > 0) {
    throw new BunsealError("INSTALL_SCRIPTS_CHANGED", `the checkout would run install scripts the original build did not: ${added.join(", ")}; expected the recorded set (${[...recordedTrusted].join(", ") || "none"})`, { file: lock.path, field: "trustedDependencies", expected: [...recordedTrusted].join(", ") || "none", found: added.join(", ") });
  }
  const available = await sandboxAvailability();
  // without a sandbox no script runs at all: the install then differs from the record's, which the comparison shows
  const scripts = recordedTrusted.size > 0 && available.bwrap ? "trusted" : "none";
  const note = recordedTrusted.size > 0 && !available.bwrap ? `the recorded install scripts (${[...recordedTrusted].join(", ")}) were not run: ${available.reason}` : undefined;
  const home = join(place.scratch, "install-home");
  // as root the install runs as the sandbox's uid, which may not write root's own cache: a fresh one then
  const sharedCache = scripts === "none" && !(available.bwrap && switchesUser());
  const cache = sharedCache ? userInstallCache(env) : join(place.scratch, "install-cache");
  await Promise.all([mkdir(home, { recursive: true }), mkdir(cache, { recursive: true })]);
  // the checkout (every member's node_modules goes in it) and the scratch are the install's to write
  if (available.bwrap) for (const dir of [place.repoRoot, place.scratch]) handTreeToSandbox(dir);
  const args = [bunPath, "install", "--frozen-lockfile", "--no-progress", ...(scripts === "none" ? ["--ignore-scripts"] : [])];
  const prefix = available.bwrap
    ? sandboxArgv(available.bwrap, {
        root: place.repoRoot,
        cwd: lock.dir,
        hidden: [{ path: join(place.repoRoot, ".git"), kind: "dir" }],
        reveal: [],
        writable: [],
        writableDirs: [lock.dir, place.scratch, cache],
        deny: place.deny.filter((path) => existsSync(path)).map((path) => realpathSync(path)),
        bunPath,
        code: [],
        network: true,
      })
    : [];
  // the registry settings of the host, and nothing else of it: not its home (its ~/.npmrc tokens)
  const toolEnv: Record<string, string> = { ...bunToolEnv(env), HOME: home, BUN_INSTALL_CACHE_DIR: cache };
  delete toolEnv.XDG_CACHE_HOME;
  delete toolEnv.TMPDIR;
  const result = await withoutOwnScripts(lock.dir, workspaceMembers(lock.lockfile.packages), () => exec([...prefix, ...args], { cwd: lock.dir, env: toolEnv, failCode: "BUN_FAILED" }));
  if (result.exitCode !== 0) {
    throw new BunsealError("INSTALL_FAILED", `bun install --frozen-lockfile failed in the checkout (exit ${result.exitCode}):\n${tail(result.stderr || result.stdout)}`, { file: lock.path, expected: `an install that matches ${lock.name}` });
  }
  return { lockfileDigest, lockfileMatches, scripts, sandbox: available.bwrap ? "bubblewrap" : "none", ...(note ? { note } : {}) };
}

/** Where Bun keeps the user's package cache: $BUN_INSTALL_CACHE_DIR, else under $XDG_CACHE_HOME, $BUN_INSTALL or ~/.bun. */
function userInstallCache(env: Record<string, string | undefined>): string {
  if (env.BUN_INSTALL_CACHE_DIR) return env.BUN_INSTALL_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, ".bun", "install", "cache");
  return join(env.BUN_INSTALL ?? join(env.HOME ?? homedir(), ".bun"), "install", "cache");
}

/** The workspace members' folders, relative to the workspace root, from their `name@workspace:path` entries. */
function workspaceMembers(packages: readonly { source: string; lockfileResolved: string }[]): string[] {
  return packages.filter((p) => p.source === "workspace").flatMap((p) => /@workspace:(.+)$/.exec(p.lockfileResolved)?.[1] ?? []);
}

/**
 * Runs `install` with the lifecycle scripts of the root package and of each
 * workspace member taken out of their package.json, and puts the bytes back
 * after, whatever the install did to them.
 */
async function withoutOwnScripts<T>(root: string, members: readonly string[], install: () => Promise<T>): Promise<T> {
  const saved = new Map<string, Buffer>();
  for (const dir of ["", ...members]) {
    const path = join(root, dir, "package.json");
    const bytes = await readFile(path).catch(() => undefined);
    if (!bytes) continue;
    let manifest: { scripts?: Record<string, unknown> };
    try {
      manifest = JSON.parse(bytes.toString("utf8"));
    } catch {
      continue; // Bun refuses it too, and says so better
    }
    const scripts = manifest.scripts;
    if (!scripts || typeof scripts !== "object" || !OWN_LIFECYCLE.some((name) => name in scripts)) continue;
    for (const name of OWN_LIFECYCLE) delete scripts[name];
    saved.set(path, bytes);
    await writeFile(path, JSON.stringify(manifest, null, 2));
  }
  try {
    return await install();
  } finally {
    for (const [path, bytes] of saved) await writeFile(path, bytes);
  }
}
