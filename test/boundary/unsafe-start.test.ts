/**
 * Issue #18, Why 9: `bun bin/bunseal` from a project folder. Bun runs that
 * folder's bunfig.toml preload (or a `--preload` in BUN_OPTIONS) in bunseal's
 * first process, before bunseal's first line, with the host's environment and
 * the key's path in argv. bunseal cannot undo what already ran; it refuses
 * before it reads any key, and names the starts that run no project code.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, runCli } from "../helpers/cli.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { boundarySetup, hostileRepo, leftIn, outDir } from "./hostile-repo.ts";

setDefaultTimeout(60_000);

const { key, pub, scratch } = boundarySetup("bunseal-unsafe-start-");


/** A preload that leaves a marker with what it saw, the argv of the process it ran in, where it can (in the sandbox it cannot). */
const preload = (marker: string) => `try { require("node:fs").writeFileSync(${JSON.stringify(marker)}, JSON.stringify(process.argv)); } catch {}\n`;

/** `bun <bunseal>/bin/bunseal ARGS` in `cwd`, as a developer or a CI script might type it: no flags of bunseal's shebang. */
async function plainBun(args: string[], cwd: string, env: Record<string, string> = {}) {
  const proc = Bun.spawn([process.execPath, BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, exitCode };
}

const SAFE_STARTS = ["bunx bunseal", "node_modules/.bin/bunseal"];

describe("bunseal refuses a start after project code ran in its process", () => {
  test("refuses `bun bin/bunseal build --key` after the project's bunfig.toml preload ran, before any key is read or anything signed", async () => {
    const marker = join(scratch(), "bunfig-preload.json");
    await using repo = await hostileRepo({ "src/index.ts": "console.log('hi');\n", "bunfig.toml": 'preload = ["./preload.ts"]\n', "preload.ts": preload(marker) });

    const refused = await plainBun(["build", ".", "--key", key(), "--json"], repo.path);
    expect(refused.exitCode).toBe(2);
    const error = JSON.parse(refused.stdout).error;
    expect(error.code).toBe("UNSAFE_START");
    expect(error.message).toContain(join(repo.path, "preload.ts"));
    for (const start of SAFE_STARTS) expect(error.message).toContain(start);
    expect(refused.stderr).toContain("bunseal: UNSAFE_START:");
    // the preload did run (that is the attack), and saw the key's path; bunseal then built and signed nothing
    expect(JSON.parse(readFileSync(marker, "utf8"))).toContain(key());
    expect(leftIn(outDir(repo))).toEqual([]);
  });

  test("refuses a start whose BUN_OPTIONS preloads a file, even with the shebang's flags", async () => {
    const marker = join(scratch(), "bun-options-preload.json");
    await using repo = await hostileRepo({ "src/index.ts": "console.log('hi');\n" });
    const planted = join(scratch(), "planted.ts");
    await Bun.write(planted, preload(marker));

    // every spelling Bun takes: what is refused is what Bun loaded, not a flag bunseal knows of
    for (const options of [`--preload ${planted}`, `-r ${planted}`, `--preload=${planted}`]) {
      const refused = await runCli(["build", ".", "--key", key()], { cwd: repo.path, env: { BUN_OPTIONS: options } });
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr).toContain(`bunseal: UNSAFE_START: Bun ran ${planted} in bunseal's process before bunseal started`);
      expect(leftIn(outDir(repo))).toEqual([]);
    }
  });

  test("a preload in a global ~/.bunfig.toml or $XDG_CONFIG_HOME/.bunfig.toml never runs beside the key unrefused", async () => {
    const marker = join(scratch(), "global-preload.json");
    await using repo = await hostileRepo({ "src/index.ts": "console.log('hi');\n" });
    const home = join(scratch(), "home");
    await Bun.write(join(home, "global-preload.ts"), preload(marker));
    await Bun.write(join(home, ".bunfig.toml"), `preload = [${JSON.stringify(join(home, "global-preload.ts"))}]\n`);
    await Bun.write(join(home, "xdg", ".bunfig.toml"), `preload = [${JSON.stringify(join(home, "global-preload.ts"))}]\n`);
    const result = await plainBun(["build", ".", "--key", key(), "--json"], repo.path, { HOME: home, XDG_CONFIG_HOME: join(home, "xdg") });
    // Bun 1.4.5 reads no global bunfig for `bun FILE`; should one ever run, bunseal must refuse the start
    if (existsSync(marker)) {
      expect(result.exitCode).toBe(2);
      expect(JSON.parse(result.stdout).error.code).toBe("UNSAFE_START");
    } else {
      expect(result.exitCode).toBe(0);
    }
  });

  test("the installed start in the same project folder is unaffected: the preload stays out of bunseal's process", async () => {
    const marker = join(scratch(), "installed-start.json");
    await using repo = await hostileRepo({ "src/index.ts": "console.log('hi');\n", "bunfig.toml": 'preload = ["./preload.ts"]\n', "preload.ts": preload(marker) });
    const built = await runCli(["build", ".", "--key", key(), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    expect(existsSync(built.json().bundle.path)).toBe(true);
    // the preload is committed, so it may run in the build's worker, never with the key's path in its argv
    if (existsSync(marker)) expect(readFileSync(marker, "utf8")).not.toContain(key());
  });

  test("a plain `bun bin/bunseal` where no preload is configured still starts itself again and works", async () => {
    await using repo = await hostileRepo({ "src/index.ts": "console.log('hi');\n" });
    const version = await plainBun(["--version"], repo.path);
    expect(version.exitCode).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
