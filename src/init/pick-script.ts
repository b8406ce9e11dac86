/**
 * Which build `init` takes from package.json: a `bun build` command line to
 * translate, or a script that builds in code (`bun build.ts`) to run and
 * watch. A watch or dev script is never taken when a release script
 * (`build`) exists: its config would be a development build's, and every
 * later build would warn about the flags it lacks. Pure: package.json in.
 */
import { findBuilds, scriptsOf, type FoundBuild } from "./find-builds.ts";

export type BuildChoice = { kind: "command" } | { kind: "code"; script: string; command: string };

/** The release script's name, as npm and Bun users write it. */
const RELEASE_SCRIPT = "build";
const DEV_SCRIPT = /(^|[:_-])(dev|watch|serve|start|hot)([:_-]|$)/;
const DEV_FLAGS = new Set(["--watch", "--hot"]);

/** A build reached from a development script, or one that watches: a development build. */
export function isDevBuild(build: FoundBuild): boolean {
  return DEV_SCRIPT.test(build.via[0] ?? build.script) || build.args.some((arg) => DEV_FLAGS.has(arg.split("=")[0]!));
}

/**
 * The `bun build` commands worth translating: without the development ones when a release script
 * exists. What the release script itself runs is kept, --watch and all (its flags are then named as untranslated).
 */
export function releaseBuilds(packageJson: unknown, builds: readonly FoundBuild[]): FoundBuild[] {
  const release = RELEASE_SCRIPT in scriptsOf(packageJson);
  return builds.filter((build) => !(release && build.via[0] !== RELEASE_SCRIPT && isDevBuild(build)));
}

export function pickBuildScript(packageJson: unknown): BuildChoice {
  const scripts = scriptsOf(packageJson);
  const scan = findBuilds(packageJson);
  const commands = releaseBuilds(packageJson, scan.builds);
  // the release script decides: its own bun build command, else the file it runs
  if (commands.some((build) => build.via[0] === RELEASE_SCRIPT)) return { kind: "command" };
  const inCode = scan.notes.find((note) => note.via?.[0] === RELEASE_SCRIPT) ?? (commands.length === 0 ? scan.notes[0] : undefined);
  if (inCode) {
    const script = inCode.via?.[0] ?? inCode.script;
    return { kind: "code", script, command: scripts[script]! };
  }
  return { kind: "command" };
}
