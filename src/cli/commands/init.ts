import type { Command } from "commander";
import { resolve } from "node:path";
import type { InitOutcome } from "../../init/init-project.ts";
import { printJson, printLines } from "../output.ts";

export function registerInit(program: Command, setExit: (code: number) => void): void {
  program
    .command("init")
    .description("write bunseal.json from the project's package.json build script: a bun build command translated, or a script calling Bun.build run once in the sandbox and watched; every option explicit, naming what could not be carried over")
    .argument("[dir]", "the project folder", ".")
    .option("--force", "replace an existing bunseal.json")
    .option("--dry-run", "print the config without writing it")
    .option("--json", "print {config, path, untranslated} (gitignored: the .gitignore it added .bunseal/ to; watched: {script, comparison} for a build written in code)")
    .action(async (dir: string, flags: { force?: boolean; dryRun?: boolean; json?: boolean }) => {
      const [{ initProject }, { defaultContext }] = await Promise.all([import("../../init/init-project.ts"), import("../../context.ts")]);
      const outcome = await initProject({ projectDir: resolve(dir), force: flags.force, dryRun: flags.dryRun }, defaultContext());
      if (flags.json) {
        printJson({ config: outcome.config, path: outcome.path, untranslated: outcome.untranslated, ...(outcome.gitignored ? { gitignored: outcome.gitignored } : {}), ...(outcome.watched ? { watched: outcome.watched } : {}) });
      } else {
        const source = outcome.watched ? `watched script "${outcome.script}" (${outcome.command}) run in the sandbox` : `from script "${outcome.script}": ${outcome.command}`;
        printLines([
          ...(outcome.written ? [`wrote ${outcome.path}`, `  ${source}`] : [`${outcome.path} (dry run, not written), ${source}`, JSON.stringify(outcome.config, null, 2)]),
          ...(outcome.gitignored ? [`  added .bunseal/ to ${outcome.gitignored}: every build writes its artifact there`] : []),
          ...(outcome.untranslated.length === 0 ? ["  every token translated"] : ["  not translated:", ...outcome.untranslated.map((u) => `    ${u.script}: ${u.token}: ${u.reason}`)]),
          ...comparisonLines(outcome),
        ]);
      }
      setExit(0);
    });
}

function comparisonLines(outcome: InitOutcome): string[] {
  const comparison = outcome.watched?.comparison;
  if (!outcome.watched) return [];
  if (!comparison) return ["  not built (dry run): the config's files were not compared with the script's"];
  return [
    `  built with the config and compared with the script's files: ${comparison.same.length} the same, ${comparison.differ.length} differ, ${comparison.notCompared.length} not compared`,
    ...comparison.differ.map((d) => `    differs: ${d.path}: ${d.why}`),
    ...comparison.notCompared.map((d) => `    not compared: ${d.path}: ${d.why}`),
  ];
}
