/**
 * Rebuild stage `siblings`: a workspace member built under `build --workspace`
 * was shown the outputs of the members it depends on, as built in that run
 * (`internalParameters.siblings`). Those outputs are in no commit: the
 * rebuild makes them again from the same checkout, the way `build --workspace`
 * makes them (src/workspace/build-workspace.ts), and takes them only if each
 * is the artifact the record names, by digest. One that is not is a finding
 * about the rebuild's inputs (input-drift, naming the member), and nothing is
 * built: a member built beside other outputs than the original's cannot be
 * the build that was recorded, whatever bytes it made.
 */
import { join, relative, sep } from "node:path";
import type { Context } from "../context.ts";
import { buildArtifact } from "../pipeline/build.ts";
import type { BunRuntime } from "../runtime/bun-runtime.ts";
import type { SourceInfo } from "../source/git.ts";
import { buildMembers, buildOrderOf, planWorkspace, siblingsToBuild } from "../workspace/build-workspace.ts";
import type { SiblingOutputs } from "../workspace/sibling-outputs.ts";
import { findWorkspaceRoot } from "../workspace/workspace-root.ts";
import type { Cause } from "./cause.ts";
import type { Checkout } from "./checkout.ts";
import type { RecordedBuild } from "./recorded.ts";

export interface RebuiltSibling {
  member: string;
  package: string;
  /** the digest the statement records */
  recorded: string;
  /** the digest of the rebuild's artifact of it, or null when the rebuild shows nothing of it */
  rebuilt: string | null;
}

export interface RebuiltSiblings {
  /** what the member's rebuild is shown, in the order the record names them; empty when a cause was found */
  outputs: SiblingOutputs[];
  siblings: RebuiltSibling[];
  causes: Cause[];
  dispose(): Promise<void>;
}

export interface SiblingSetup {
  checkout: Checkout;
  bun: BunRuntime;
  /** the member's source as the statement records it; each sibling's is the same commit at its own folder */
  source: SourceInfo;
  timeoutMs?: number;
  deny?: readonly string[];
  sandbox?: false;
  ctx: Context;
}

export async function rebuildSiblings(recorded: Pick<RecordedBuild, "internal">, setup: SiblingSetup): Promise<RebuiltSiblings> {
  const wanted = recorded.internal.siblings ?? [];
  if (wanted.length === 0) return { outputs: [], siblings: [], causes: [], dispose: async () => {} };
  const { checkout, ctx } = setup;
  const rootDir = findWorkspaceRoot(checkout.projectDir, checkout.repo);
  const plan = planWorkspace(rootDir, "a rebuild of a member built with --workspace");
  // the recorded members, and what they need built before them, in the order build --workspace builds them
  const members = wanted.map((s) => s.member);
  const dirs = buildOrderOf(plan, new Set([...members, ...siblingsToBuild(plan, members)]));
  const built = new Map<string, string>();
  const outDir = join(checkout.root, "siblings");
  const shown = await buildMembers(
    plan,
    dirs,
    (dir, siblings) => {
      ctx.log(`rebuilding workspace member ${dir}, whose outputs the build was shown`);
      ctx.progress?.(`rebuilding sibling ${dir}`);
      const subdir = toPosix(relative(checkout.repo, join(rootDir, dir)));
      // its own config from the commit (the record names its artifact, not its options), with the member's Bun and time
      return buildArtifact({ projectDir: join(rootDir, dir), outDir, bun: setup.bun, source: { ...setup.source, subdir }, timeoutMs: setup.timeoutMs, deny: setup.deny, sandbox: setup.sandbox, siblings }, ctx);
    },
    (dir, outcome) => built.set(dir, outcome.artifact.digest),
  );
  const siblings: RebuiltSibling[] = [];
  const causes: Cause[] = [];
  const outputs: SiblingOutputs[] = [];
  for (const want of wanted) {
    const outputsOf = shown.shown.get(want.member);
    const at = outputsOf ? toPosix(relative(checkout.repo, outputsOf.at)) : undefined;
    const rebuilt = outputsOf?.artifact.digest ?? null;
    siblings.push({ member: want.member, package: want.package, recorded: want.artifact.digest, rebuilt });
    if (outputsOf && rebuilt === want.artifact.digest && at === want.at && outputsOf.package === want.package) {
      outputs.push(outputsOf);
      continue;
    }
    const what = !built.has(want.member)
      ? `the checkout's workspace at ${toPosix(relative(checkout.repo, rootDir)) || "its root"} has no configured member ${want.member} to build`
      : !outputsOf
        ? `${want.member} rebuilt to ${built.get(want.member)}, but its package.json names no file of that artifact for its dependents`
        : rebuilt !== want.artifact.digest
          ? `the workspace member ${want.member} (${want.package}) rebuilt from commit ${setup.source.commit.slice(0, 12)} is ${rebuilt}, the record says ${want.artifact.digest} (${want.artifact.name}): the sibling did not reproduce, so the outputs this member was built beside cannot be made again; rebuild ${want.member}'s own artifact to see why`
          : `the workspace member ${want.member}'s outputs are shown as ${outputsOf.package} at ${at}, the record says ${want.package} at ${want.at}`;
    causes.push({ kind: "input-drift", file: want.member, evidence: what });
  }
  return { outputs: causes.length === 0 ? outputs : [], siblings, causes, dispose: shown.dispose };
}

function toPosix(path: string): string {
  return path.split(sep).join("/");
}
