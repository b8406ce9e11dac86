import type { Command } from "commander";
import { resolve } from "node:path";
import { printJson, printLines } from "../output.ts";

export function registerInit(program: Command, setExit: (code: number) => void): void {
  program
    .command("init")
    .description("write bunseal.json from the project's package.json build script (bun build …), every option explicit, naming what could not be translated")
    .argument("[dir]", "the project folder", ".")
    .option("--force", "replace an existing bunseal.json")
    .option("--dry-run", "print the config without writing it")
    .option("--json", "print {config, path, untranslated}")
    .action(async (dir: string, flags: { force?: boolean; dryRun?: boolean; json?: boolean }) => {
      const { initProject } = await import("../../init/init-project.ts");
      const outcome = await initProject({ projectDir: resolve(dir), force: flags.force, dryRun: flags.dryRun });
      if (flags.json) {
        printJson({ config: outcome.config, path: outcome.path, untranslated: outcome.untranslated });
      } else {
        printLines([
          ...(outcome.written ? [`wrote ${outcome.path}`, `  from script "${outcome.script}": ${outcome.command}`] : [`${outcome.path} (dry run, not written), from script "${outcome.script}": ${outcome.command}`, JSON.stringify(outcome.config, null, 2)]),
          ...(outcome.untranslated.length === 0 ? ["  every token translated"] : ["  not translated:", ...outcome.untranslated.map((u) => `    ${u.script}: ${u.token}: ${u.reason}`)]),
        ]);
      }
      setExit(0);
    });
}
