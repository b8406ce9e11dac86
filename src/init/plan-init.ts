/**
 * `bunseal init`, planned: package.json in, the bunseal.json that builds what
 * its build script builds out, with every token it could not carry over and
 * why. Pure, so the table of real-world scripts is tested without a disk.
 */
import { ConfigSchema, type ConfigInput } from "../config/schema.ts";
import { BunsealError } from "../errors.ts";
import { describeIssues, formatProblems } from "../util/schema-issues.ts";
import { findBuilds, type FoundBuild } from "./find-builds.ts";
import { releaseBuilds } from "./pick-script.ts";
import { fitBuildOptions } from "./fit-schema.ts";
import { translateCommand } from "./translate-command.ts";
import type { Untranslated } from "./translation.ts";

export interface InitPlan {
  config: ConfigInput;
  /** the command translated */
  build: FoundBuild;
  untranslated: Untranslated[];
}

export function planInit(packageJson: unknown): InitPlan {
  const name = (packageJson as { name?: unknown } | null)?.name;
  if (typeof name !== "string" || name === "") {
    throw new BunsealError("CONFIG_INVALID", 'package.json: expected a "name" to name the service after, got none', { file: "package.json", field: "name", expected: "a string" });
  }
  const scan = findBuilds(packageJson);
  const [first, ...others] = releaseBuilds(packageJson, scan.builds);
  if (!first) {
    const why = scan.notes.length > 0 ? `; ${scan.notes.map((n) => `script "${n.script}" ${n.reason}`).join("; ")}` : "";
    throw new BunsealError("BUILD_SCRIPT_NOT_FOUND", `package.json: expected a script that runs bun build, got none${why}`, { file: "package.json", field: "scripts", expected: "a script running bun build" });
  }
  const translation = translateCommand(first.args, first.env);
  const fitted = fitBuildOptions(translation);
  const untranslated: Untranslated[] = [
    ...(first.expands ? [{ script: first.script, token: first.text, reason: "uses a $VARIABLE or backquote, whose value is only known when the script runs; translated as written" }] : []),
    ...translation.untranslated.map((u) => ({ script: first.script, ...u })),
    ...fitted.untranslated.map((u) => ({ script: first.script, ...u })),
    ...envModeNote(first, fitted.build),
    ...others.map((b) => ({ script: b.script, token: b.text, reason: `another bun build; bunseal.json describes one build, so only the first (script "${first.script}") is translated` })),
    ...scan.notes.map(({ via: _via, ...note }) => note),
  ];
  const config: ConfigInput = {
    service: name.replace(/^@[^/]+\//, ""),
    entrypoints: translation.entrypoints,
    build: fitted.build as ConfigInput["build"],
    env: [],
    secrets: [],
    outDir: ".bunseal/out",
  };
  // the tool never writes a config bunseal would refuse
  const checked = ConfigSchema.safeParse(config, { reportInput: true });
  if (!checked.success) {
    const problems = describeIssues(checked.error.issues);
    throw new BunsealError("CONFIG_INVALID", `the configuration translated from script "${first.script}" is not valid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${formatProblems(problems)}`, {
      file: "package.json",
      field: problems[0]!.field,
      expected: problems[0]!.expected,
      found: problems[0]!.found,
    });
  }
  return { config, build: first, untranslated };
}

/**
 * `--env=PREFIX_*` is translated, but bunseal inlines only the variables the
 * config's env names, and which of them the bundle reads is not in the script.
 */
function envModeNote(build: FoundBuild, options: Record<string, unknown>): Untranslated[] {
  const mode = options.env;
  if (typeof mode !== "string" || mode === "disable") return [];
  const token = build.args.find((a) => a.startsWith("--env")) ?? `--env=${mode}`;
  return [{ script: build.script, token, reason: `translated as build.env, but bunseal's build sees only the variables named in the config's env: list there each ${mode === "inline" ? "variable" : `${mode} variable`} the bundle reads` }];
}
