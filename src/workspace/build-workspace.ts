/**
 * `bunseal build --workspace`, from a workspace root: every member package
 * that has a bunseal configuration (bunseal.json, or a "bunseal" key in its
 * package.json), each through the one build pipeline, dependencies first.
 *   plan (members, configs, order) → source (once) → build each
 * Every configuration is read before anything is built, so a bad one stops the
 * run with nothing made; a build that fails removes what the earlier ones
 * wrote: a workspace release is whole or absent.
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { CONFIG_FILE, loadConfig } from "../config/load.ts";
import type { Context } from "../context.ts";
import { BunsealError, isBunsealError } from "../errors.ts";
import { buildArtifact, type BuildOutcome, type BuildRequest } from "../pipeline/build.ts";
import { checkWorkTree, readHead } from "../source/git.ts";
import { buildOrder } from "./build-order.ts";
import { removeSibling, unpackSibling, type SiblingOutputs } from "./sibling-outputs.ts";
import { readManifest, workspaceMembers } from "./workspace-root.ts";

export interface WorkspaceBuildRequest extends Omit<BuildRequest, "projectDir" | "source"> {
  /** the workspace root: the folder whose package.json has "workspaces" */
  rootDir: string;
}

export interface WorkspaceBuildOutcome {
  root: string;
  /** one per package built, in the order built (dependencies first) */
  builds: (BuildOutcome & { package: string })[];
}

const DEPENDENCY_GROUPS = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"];

/** A workspace as its package.json files describe it: every member. */
export interface WorkspacePlan {
  rootDir: string;
  members: WorkspaceMember[];
}

export interface WorkspaceMember {
  /** relative to the workspace root, POSIX */
  dir: string;
  name?: string;
  dependencies: string[];
  configured: boolean;
}

/** Reads the members of the workspace at `rootDir`; no root there is WORKSPACE_ROOT_NOT_FOUND. */
export function planWorkspace(rootDir: string, flag = "--workspace"): WorkspacePlan {
  const manifest = readManifest(rootDir, "package.json");
  if (!manifest || manifest.patterns.length === 0) {
    throw new BunsealError("WORKSPACE_ROOT_NOT_FOUND", `package.json: workspaces: expected a workspace root (a package.json with "workspaces") in ${rootDir} for ${flag}, got ${manifest ? "a package.json without it" : "no package.json"}; run it in the folder whose package.json lists the packages`, {
      file: "package.json",
      field: "workspaces",
      expected: "a list of package folders",
      found: manifest ? "none" : "no package.json",
    });
  }
  const members = workspaceMembers(manifest).map((dir) => {
    const pkg = readManifest(join(rootDir, dir), `${dir}/package.json`)!.pkg;
    const dependencies = DEPENDENCY_GROUPS.flatMap((group) => (typeof pkg[group] === "object" && pkg[group] !== null ? Object.keys(pkg[group] as object) : []));
    return { dir, name: typeof pkg.name === "string" ? pkg.name : undefined, dependencies, configured: existsSync(join(rootDir, dir, CONFIG_FILE)) || "bunseal" in pkg };
  });
  return { rootDir, members };
}

/** The configured members among `members` (default: all), dependencies first; a cycle among them is WORKSPACE_INVALID. */
export function buildOrderOf(plan: WorkspacePlan, members: ReadonlySet<string> = new Set(plan.members.map((m) => m.dir))): string[] {
  return buildOrder(plan.members.filter((m) => members.has(m.dir))).filter((dir) => plan.members.find((m) => m.dir === dir)!.configured);
}

/**
 * The configured members `dirs` need built before them, in build order: the
 * members they depend on, directly or through other members (themselves not
 * included). Only those are ordered: a cycle elsewhere in the workspace is no
 * concern of theirs.
 */
export function siblingsToBuild(plan: WorkspacePlan, dirs: readonly string[]): string[] {
  const byName = new Map(plan.members.filter((m) => m.name !== undefined).map((m) => [m.name!, m]));
  const needed = new Set(dirs.flatMap((dir) => dependencyClosure(plan.members.find((m) => m.dir === dir) ?? { dir, dependencies: [] }, byName).map((m) => m.dir)));
  // ordered with `dirs` themselves, so that a cycle through them is refused as build --workspace refuses it
  return buildOrderOf(plan, new Set([...needed, ...dirs])).filter((dir) => !dirs.includes(dir));
}

/** What buildMembers leaves shown: each member's unpacked outputs, until disposed. */
export interface ShownSiblings {
  /** by member folder */
  shown: ReadonlyMap<string, SiblingOutputs>;
  /** the outputs of the members `dir` depends on, as its build is shown them */
  siblingsOf(dir: string): SiblingOutputs[];
  dispose(): Promise<void>;
}

/**
 * Builds `dirs` (in build order) one after the other, each shown the outputs
 * of the members built before it that it depends on; a member another one
 * depends on has its artifact unpacked for them. The one way a workspace
 * member is built beside its siblings: `build --workspace`, and `rebuild` and
 * `check` of a member that consumes a sibling's outputs. A failure disposes of
 * what was shown and throws, naming the member.
 */
export async function buildMembers(plan: WorkspacePlan, dirs: readonly string[], build: (dir: string, siblings: SiblingOutputs[]) => Promise<BuildOutcome>, onBuilt?: (dir: string, outcome: BuildOutcome) => void): Promise<ShownSiblings> {
  const byName = new Map(plan.members.filter((m) => m.name !== undefined).map((m) => [m.name!, m]));
  const shown = new Map<string, SiblingOutputs>();
  const siblingsOf = (dir: string) => dependencyClosure(plan.members.find((m) => m.dir === dir) ?? { dir, dependencies: [] }, byName).flatMap((m) => (shown.has(m.dir) ? [shown.get(m.dir)!] : []));
  const dispose = async () => {
    await Promise.all([...shown.values()].map(removeSibling));
  };
  try {
    for (const dir of dirs) {
      const outcome = await build(dir, siblingsOf(dir)).catch((error) => {
        throw inPackage(dir, error);
      });
      onBuilt?.(dir, outcome);
      const member = plan.members.find((m) => m.dir === dir)!;
      if (member.name !== undefined && plan.members.some((m) => m.dependencies.includes(member.name!))) {
        const unpacked = await unpackSibling({ rootDir: plan.rootDir, member: dir, pkg: readManifest(join(plan.rootDir, dir))!.pkg, artifactPath: outcome.artifact.path, artifact: { name: basename(outcome.artifact.path), digest: outcome.artifact.digest }, files: outcome.files });
        if (unpacked) shown.set(dir, unpacked);
      }
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  return { shown, siblingsOf, dispose };
}

export async function buildWorkspace(request: WorkspaceBuildRequest, ctx: Context): Promise<WorkspaceBuildOutcome> {
  const rootDir = resolve(request.rootDir);
  const { rootDir: _root, ...shared } = request;

  // plan: the members, their configurations and the order, before anything is built
  const plan = planWorkspace(rootDir);
  const { members } = plan;
  const order = buildOrderOf(plan);
  if (order.length === 0) {
    throw new BunsealError("CONFIG_NOT_FOUND", `package.json: none of the ${members.length} workspace package(s) has a bunseal configuration; expected a ${CONFIG_FILE} or a "bunseal" key in the package.json of each package to build`, { file: "package.json", field: "workspaces", expected: `a package with ${CONFIG_FILE}` });
  }
  const services = new Map<string, string>();
  for (const dir of order) {
    const { config } = await loadConfig(join(rootDir, dir)).catch((error) => {
      throw inPackage(dir, error);
    });
    const other = services.get(config.service);
    if (other !== undefined) {
      throw new BunsealError("CONFIG_INVALID", `${dir}: service: expected a name no other workspace package uses, got "${config.service}", which ${other} uses too (their artifacts would have the same name)`, { file: `${dir}/${CONFIG_FILE}`, field: "service", expected: "a unique service name", found: config.service });
    }
    services.set(config.service, dir);
  }

  // source: one commit and one work-tree check for all, with every package's own output folders left out
  // (an earlier package's new artifact is not a change to the source of the next)
  const head = await readHead(rootDir);
  const own = await Promise.all(order.map(async (dir) => [join(rootDir, dir, ".bunseal"), resolve(join(rootDir, dir), request.outDir ?? (await loadConfig(join(rootDir, dir))).config.outDir)]));
  const source = await checkWorkTree(head, { allowDirty: request.allowDirty, ignore: own.flat() });

  // build each, dependencies first; a member's dependents see its outputs of this run (src/workspace/sibling-outputs.ts)
  const builds: WorkspaceBuildOutcome["builds"] = [];
  try {
    const shown = await buildMembers(
      plan,
      order,
      (dir, siblings) => {
        ctx.log(`workspace: ${dir}`);
        const subdir = [head.subdir, dir].filter((p) => p !== "").join("/");
        return buildArtifact({ ...shared, projectDir: join(rootDir, dir), source: { ...source, subdir }, siblings }, ctx);
      },
      (dir, outcome) => builds.push({ package: dir, ...outcome }),
    );
    await shown.dispose();
  } catch (error) {
    await Promise.all(builds.flatMap((b) => [b.artifact.path, b.bundle?.path, b.statement?.path].filter((p): p is string => p !== undefined).map((p) => rm(p, { force: true }))));
    throw error;
  }
  return { root: rootDir, builds };
}

/** The members `member` depends on, directly or through other members, each once. */
function dependencyClosure<M extends { dir: string; dependencies: readonly string[] }>(member: M, byName: ReadonlyMap<string, M>): M[] {
  const seen = new Map<string, M>();
  const visit = (m: M) => {
    for (const name of m.dependencies) {
      const dep = byName.get(name);
      if (!dep || seen.has(dep.dir) || dep.dir === member.dir) continue;
      seen.set(dep.dir, dep);
      visit(dep);
    }
  };
  visit(member);
  return [...seen.values()];
}

/** The package a failure belongs to, in its message and file; the code stays the same. */
export function inPackage(dir: string, error: unknown): unknown {
  if (!isBunsealError(error)) return error;
  const file = error.file === undefined || error.file.startsWith("/") ? error.file : `${dir}/${error.file}`;
  return new BunsealError(error.code, `${dir}: ${error.message}`, { file, field: error.field, expected: error.expected, found: error.found, cause: error });
}
