/** The front-end runs in a browser: it is type-checked against the DOM on its own (src/serve/console/tsconfig.json). */
import { expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/cli.ts";

setDefaultTimeout(60_000);

test("the console's front-end type-checks against the DOM", async () => {
  const proc = Bun.spawn([join(REPO_ROOT, "node_modules", ".bin", "tsc"), "--noEmit", "-p", join(REPO_ROOT, "src", "serve", "console")], { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" });
  const [stdout, exitCode] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect(stdout).toBe("");
  expect(exitCode).toBe(0);
});
