/**
 * The translation is only right if it builds what the script builds: for each
 * command line, the real `bun build` and Bun.build with the translated options
 * must write the same files, byte for byte. Both run as children with the same
 * small environment (bun test's own NODE_ENV=test would otherwise be inlined).
 */
import { describe, expect, test } from "bun:test";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { planInit } from "../../src/init/plan-init.ts";
import { testdir } from "../helpers/testdir.ts";

const PROJECT = {
  "package.json": JSON.stringify({ name: "demo" }),
  "src/index.ts": `import { greet } from "./greet.ts";\nimport { z } from "zod";\nconst someLongName = process.env.NODE_ENV;\nexport function main() { console.log(greet(someLongName), z, typeof Bun); }\nexport const unused = () => import("./lazy.ts");\n`,
  "src/greet.ts": `export const greet = (who: string | undefined) => \`hello \${who}\`;\n`,
  "src/lazy.ts": `export const lazy = 1;\n`,
  "node_modules/zod/package.json": JSON.stringify({ name: "zod", main: "index.js" }),
  "node_modules/zod/index.js": "export const z = 'zod';\n",
};
const ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent" };

async function files(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    const file = Bun.file(join(dir, name));
    if ((await file.exists()) && !name.endsWith(".map")) out[name] = await file.text();
  }
  return out;
}

async function run(cwd: string, argv: string[]): Promise<void> {
  const proc = Bun.spawn(argv, { cwd, env: ENV, stdout: "pipe", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${argv.join(" ")}: exit ${code}\n${stderr}`);
}

const commands = [
  "bun build src/index.ts --target bun --outdir dist --minify",
  "bun build src/index.ts --packages external --format esm --outdir dist",
  "bun build src/index.ts --outdir=dist --splitting -e zod --define 'GLOBAL_X:1'",
  "NODE_ENV=production bun build src/index.ts --outdir dist --minify-syntax --keep-names --format=cjs --target=node",
  "bun build src/index.ts --outdir dist --production --banner='// hi' --footer '// bye' --drop console",
  // --bytecode without --target bundles for bun, as a cjs module (measured on Bun 1.4.5)
  "bun build src/index.ts --outdir dist --bytecode",
];

describe("the translated config builds the script's bytes", () => {
  for (const command of commands) {
    test(command, async () => {
      await using dir = await testdir(PROJECT);
      const plan = planInit({ name: "demo", scripts: { build: command } });
      const { network: _network, ...options } = plan.config.build as Record<string, unknown>;
      await Bun.write(join(dir.path, "api.ts"), `await Bun.build({ ...${JSON.stringify({ ...options, entrypoints: plan.config.entrypoints })}, outdir: "out", throw: true });\n`);
      await run(dir.path, ["sh", "-c", command.replace(/bun build/, `${process.execPath} --no-env-file build`).replace(/--outdir[= ]dist/, "--outdir=out")]);
      // the same out folder for both: a split entry's chunk id depends on where it is written
      await run(dir.path, ["mv", "out", "cli-out"]);
      await run(dir.path, [process.execPath, "--no-env-file", "api.ts"]);
      const cli = await files(join(dir.path, "cli-out"));
      expect(Object.keys(cli).length).toBeGreaterThan(0);
      expect(await files(join(dir.path, "out"))).toEqual(cli);
    });
  }
});
