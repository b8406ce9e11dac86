/**
 * `bunseal build` warns when the project's own build script uses a flag its
 * config lacks (issue #9): the release would not be the build its authors run.
 */
import { expect, test } from "bun:test";
import { runCli } from "../helpers/cli.ts";
import { gitRepo } from "../helpers/git.ts";

test("a build script that minifies, against a config that does not, is warned about and the build still runs", async () => {
  await using repo = await gitRepo({
    ".gitignore": ".bunseal/\n",
    "package.json": JSON.stringify({ name: "drifted", private: true, scripts: { build: "bun build src/index.ts --outdir dist --target bun --minify" } }),
    "bunseal.json": JSON.stringify({ service: "drifted", entrypoints: ["src/index.ts"] }),
    "src/index.ts": "export const answer = 40 + 2;\nconsole.log(answer);\n",
  });
  const built = await runCli(["build", repo.path, "--no-sign", "--json"]);
  expect(built.exitCode).toBe(0);
  const warnings: string[] = built.json().warnings;
  expect(warnings.some((w) => w.startsWith("package.json build script:") && w.includes("minify"))).toBe(true);
  const human = await runCli(["build", repo.path, "--no-sign"]);
  expect(human.stderr).toContain("warning: package.json build script:");
});
