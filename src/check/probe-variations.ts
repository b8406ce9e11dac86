/**
 * Which variations `bunseal check` can run on this machine, asked before any
 * build: a variation that cannot run is skipped with its reason, so the check
 * still gives a verdict on the others instead of stopping with an error in
 * the middle (the `user` variation on a bunseal installed in a 0700 folder
 * used to end the whole check with "Module not found .../worker.ts").
 */
import { CHECK_UID, VARIATION_NAMES, type VariationName, type VariationTools } from "./variations.ts";

export interface ProbeInput {
  /** no longer read (no variation reorders the entrypoints); kept so callers still compile */
  multipleEntrypoints?: boolean;
  /** bunseal's own environment: the wrappers' tools are looked up on its PATH, and the build runs the ones found there */
  env: Readonly<Record<string, string | undefined>>;
  /** what a build run as another user must reach */
  buildFiles: {
    /** the worker script the build process starts with (and the folders above it) */
    readable: string[];
    /** the Bun binary */
    executable: string[];
    /** the check's workspace, where the copies and the outputs live */
    traversable: string[];
  };
}

export interface VariationProbe {
  /** `true`, or why the variation cannot run here */
  available: Map<VariationName, string | true>;
  tools: VariationTools;
}

export async function probeVariations(input: ProbeInput): Promise<VariationProbe> {
  const path = input.env.PATH ?? "";
  const which = (tool: string) => Bun.which(tool, { PATH: path }) ?? undefined;
  const tools: VariationTools = { faketime: which("faketime"), unshare: which("unshare"), setpriv: which("setpriv"), sh: which("sh") };
  const root = process.getuid?.() === 0;
  const [faketime, unshare, setpriv] = await Promise.all([
    tools.faketime ? run([tools.faketime, "-f", "+1d", "true"]) : undefined,
    root && tools.unshare && tools.sh ? run([tools.unshare, "--uts", "--", tools.sh, "-c", 'hostname "$0"', "bunseal-probe"]) : undefined,
    root && tools.setpriv && tools.sh ? run([tools.setpriv, `--reuid=${CHECK_UID}`, `--regid=${CHECK_UID}`, "--clear-groups", "--", tools.sh, "-c", REACHABLE, "sh", ...reachList(input.buildFiles)]) : undefined,
  ]);

  const available = new Map<VariationName, string | true>(VARIATION_NAMES.map((name) => [name, true]));
  if (!tools.faketime) available.set("clock", `faketime is not on PATH (Debian package faketime); PATH=${path}`);
  else if (!faketime?.ok) available.set("clock", `${tools.faketime} does not run here: ${faketime?.output || "no output"}`);
  if (!tools.sh) available.set("umask", `sh is not on PATH; PATH=${path}`);
  if (!root) available.set("hostname", "needs root for a UTS namespace");
  else if (!tools.unshare || !tools.sh) available.set("hostname", `${tools.unshare ? "sh" : "unshare"} is not on PATH (Debian package util-linux); PATH=${path}`);
  else if (!unshare?.ok) available.set("hostname", `unshare --uts is not permitted here: ${unshare?.output || "no output"}`);
  if (!root) available.set("user", "needs root to build as another user");
  else if (!tools.setpriv || !tools.sh) available.set("user", `${tools.setpriv ? "sh" : "setpriv"} is not on PATH (Debian package util-linux); PATH=${path}`);
  else if (!setpriv?.ok) available.set("user", userReason(setpriv?.output ?? ""));
  return { available, tools };
}

// Run as the other user: names the first path it cannot reach and fails, so
// the reason can say which one. `test` follows the whole path, so a 0700
// folder anywhere above the file is caught too.
const REACHABLE = 'while [ "$#" -gt 0 ]; do test "$1" "$2" || { echo "$2"; exit 1; }; shift 2; done';

function reachList(files: ProbeInput["buildFiles"]): string[] {
  return [...files.readable.flatMap((f) => ["-r", f]), ...files.executable.flatMap((f) => ["-x", f]), ...files.traversable.flatMap((f) => ["-x", f])];
}

function userReason(output: string): string {
  const path = output.trim().split("\n").at(-1) ?? "";
  return path.startsWith("/")
    ? `uid ${CHECK_UID} cannot reach ${path} (bunseal, its Bun or the check's workspace is in a folder other users cannot read)`
    : `setpriv cannot switch to uid ${CHECK_UID} here: ${output.trim() || "no output"}`;
}

async function run(cmd: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { ok: code === 0, output: `${stdout}${stderr}`.trim().slice(0, 300) };
  } catch (error) {
    return { ok: false, output: error instanceof Error ? error.message : String(error) };
  }
}
