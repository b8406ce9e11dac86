/**
 * The config's `env` list is the build's environment, and so also that of the
 * programs that start the sandbox (a shell, bwrap: as root, with every power)
 * before anything is taken away. A variable that loads code into them is the
 * project's code outside the boundary: refused, before anything runs.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { hostileRepo, leftIn, outDir } from "./hostile-repo.ts";

let scratch: TestDir;
beforeAll(async () => {
  scratch = await makeTempDir("bunseal-loader-env-");
});
afterAll(async () => {
  await scratch?.cleanup();
});

describe("the config cannot hand the sandbox's starters a loader variable", () => {
  for (const name of ["LD_LIBRARY_PATH", "LD_PRELOAD", "BUN_OPTIONS", "NODE_OPTIONS", "PATH"]) {
    test(`rejects "env": ["${name}"] before anything runs`, async () => {
      const mark = join(scratch.path, `ran-${name}`);
      await using repo = await hostileRepo(
        {
          "src/macro.ts": `import { writeFileSync } from "node:fs";\nexport function probe(): string { try { writeFileSync(${JSON.stringify(mark)}, "ran"); } catch {} return "x"; }\n`,
          "src/index.ts": `import { probe } from "./macro.ts" with { type: "macro" };\nconsole.log(probe());\n`,
        },
        { config: { env: [name] } },
      );
      // an empty entry is the working directory: the repository, where a library could wait
      // (BUN_OPTIONS is not set: it would configure bunseal's own Bun first)
      const host = name === "BUN_OPTIONS" ? {} : { [name]: name === "PATH" ? `${process.env.PATH}` : ":" };
      const refused = await runCli(["build", repo.path, "--no-sign", "--json"], { env: host });
      expect(refused.exitCode).toBe(2);
      const error = refused.json().error;
      expect(error.code).toBe("CONFIG_INVALID");
      expect(error.message).toContain("bunseal.json");
      expect(error.message).toContain("env");
      expect(error.message).toContain("dynamic loader");
      expect(existsSync(mark)).toBe(false);
      expect(leftIn(outDir(repo))).toEqual([]);
    });
  }

  test("an ordinary variable in the list still reaches the build", async () => {
    await using repo = await hostileRepo({ "src/index.ts": "console.log(process.env.PUBLIC_LABEL);\n" }, { config: { env: ["PUBLIC_LABEL"] } });
    const built = await runCli(["build", repo.path, "--no-sign", "--json"], { env: { PUBLIC_LABEL: "release-7" } });
    expect(built.exitCode).toBe(0);
    expect(built.json().files.length).toBe(1);
  });
});
