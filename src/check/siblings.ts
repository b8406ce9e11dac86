/**
 * A workspace member that bundles a sibling's build output (its `dist`, which
 * git ignores and the sandbox hides) builds only beside that output, as
 * `build --workspace` shows it. `check` varies the member's build, not its
 * siblings': they are built once, plainly, from the work tree the way
 * `build --workspace` builds them (src/workspace/build-workspace.ts), and
 * their outputs are shown to every build of the check, at the same place in
 * its copy. A variation then changes only what it names.
 */
import { join, relative, sep } from "node:path";
import type { Context } from "../context.ts";
import { buildArtifact } from "../pipeline/build.ts";
import type { SourceInfo } from "../source/git.ts";
import { buildMembers, planWorkspace, siblingsToBuild } from "../workspace/build-workspace.ts";
import type { SiblingOutputs } from "../workspace/sibling-outputs.ts";
import type { Workspace } from "./workspace.ts";

export interface CheckSiblings {
  /** the outputs the member's builds are shown, at their place in the work tree (`shownIn` moves them into a copy) */
  outputs: SiblingOutputs[];
  /** the same outputs, shown at the same place in a copy of the workspace rooted at `copyRoot` */
  shownIn(copyRoot: string): SiblingOutputs[];
  dispose(): Promise<void>;
}

const NONE: CheckSiblings = { outputs: [], shownIn: () => [], dispose: async () => {} };

/** Builds the members `subdir` (a member of the workspace at `tree`) depends on, once; none when it is no member or depends on none. */
export async function buildSiblingsOnce(input: { tree: string; subdir: string; source: SourceInfo; workspace: Workspace; timeoutMs?: number; sandbox?: false }, ctx: Context): Promise<CheckSiblings> {
  const member = input.subdir.split(sep).join("/");
  if (member === "") return NONE;
  const plan = planWorkspace(input.tree, "check");
  const dirs = siblingsToBuild(plan, [member]);
  if (dirs.length === 0) return NONE;
  const shown = await buildMembers(plan, dirs, async (dir, siblings) => {
    ctx.log(`check: building workspace member ${dir}, whose outputs ${member} imports`);
    const outDir = await input.workspace.outDir(`sibling-${dir.replaceAll("/", "-")}`);
    const subdir = relative(input.source.repoRoot, join(input.tree, dir)).split(sep).join("/");
    // the Bun build would build it with, as the member's builds are
    return buildArtifact({ projectDir: join(input.tree, dir), outDir, source: { ...input.source, subdir }, timeoutMs: input.timeoutMs, sandbox: input.sandbox, followPin: true, siblings }, { ...ctx, log: () => {} });
  });
  const outputs = shown.siblingsOf(member);
  return {
    outputs,
    shownIn: (copyRoot) => outputs.map((s) => ({ ...s, at: join(copyRoot, relative(input.tree, s.at)) })),
    dispose: shown.dispose,
  };
}
