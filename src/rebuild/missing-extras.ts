/**
 * `inputs.extra` names files made outside bunseal, which no commit holds: a
 * fresh checkout has them only if something made them again. One that matches
 * nothing there is a finding about the rebuild's inputs (input-drift), not a
 * bad config: the config is the one that was built. Nothing is built then,
 * since a build without an input the original read cannot be the build that
 * was recorded, whatever bytes it made.
 */
import { loadConfig } from "../config/load.ts";
import { unmatchedExtras } from "../sandbox/boundary.ts";
import type { Cause } from "./cause.ts";
import type { RecordedBuild } from "./recorded.ts";

export async function missingExtraCauses(projectDir: string, recorded: Pick<RecordedBuild, "inputs">): Promise<Cause[]> {
  const loaded = await loadConfig(projectDir);
  const file = loaded.source.split("#")[0]!.split(" ")[0]!;
  return unmatchedExtras(projectDir, loaded.config.inputs?.extra ?? []).map(({ index, pattern }) => {
    // what the original read there, as its statement records it (the statement, not this checkout, says what was built)
    const glob = new Bun.Glob(pattern);
    const read = [...recorded.inputs].filter(([path]) => glob.match(path)).sort(([a], [b]) => (a < b ? -1 : 1));
    const what = read.length === 0 ? "the original build's statement records no file there" : `the original build read ${read.map(([path, sha256]) => `${path} (sha256 ${sha256})`).join(", ")} there, made outside bunseal`;
    return { kind: "input-drift", file: pattern, evidence: `${file}: inputs.extra[${index}] "${pattern}" matches no file in the checkout; ${what}: make it before the rebuild, or generate it with "prebuild"` };
  });
}
