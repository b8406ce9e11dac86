/**
 * Issue #18, What 4: the key lives in one small place. The process that runs
 * git, the sandbox and the build must not be able to lead anyone to the key:
 * not its path in its command line, not the key in its environment. The
 * signing key is read by bunseal's first process, which runs nothing but the
 * rest of bunseal and answers its signing requests.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cliCommand, runCli } from "../helpers/cli.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { hostileRepo, statementOf } from "./hostile-repo.ts";

setDefaultTimeout(60_000);

let keys: TestDir;
const key = () => join(keys.path, "bunseal.key");
const pub = () => join(keys.path, "bunseal.pub");

beforeAll(async () => {
  keys = await makeTempDir("bunseal-keys-");
  expect((await runCli(["keygen", "--out", keys.path])).exitCode).toBe(0);
});
afterAll(() => keys?.cleanup());

interface Seen {
  pid: number;
  argv: string[];
  environ: string;
  ppid: number;
}

function procOf(pid: number): Seen | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").slice(0, -1);
    const environ = readFileSync(`/proc/${pid}/environ`, "latin1");
    const ppid = Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, "latin1"))?.[1]);
    return { pid, argv, environ, ppid };
  } catch {
    return undefined;
  }
}

/**
 * The bubblewrap that runs this repository's build and the process that started it, looked at while they
 * run: the sandbox is found by the repository's path in its arguments.
 */
async function sandboxOf(repoPath: string, until: Promise<unknown>): Promise<{ sandbox: Seen; runner: Seen | undefined } | undefined> {
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      const seen = procOf(Number(name));
      if (seen && seen.argv[0]?.endsWith("bwrap") && seen.argv.includes(repoPath)) return { sandbox: seen, runner: procOf(seen.ppid) };
    }
    await Bun.sleep(20);
  }
  return undefined;
}

describe("the process that runs the build cannot lead to the key", () => {
  test("the sandbox's parent, during build --key KEY, has neither the key's path in its argv nor the key in its environment", async () => {
    // a macro that takes its time, so the build's processes can be looked at while it runs
    await using repo = await hostileRepo({
      "src/index.ts": `import { slow } from "./macro.ts" with { type: "macro" };\nconsole.log(slow());\n`,
      "src/macro.ts": "export function slow() { Bun.sleepSync(2500); return 'done'; }\n",
    });
    const pem = readFileSync(key(), "utf8");
    // the key also in the environment, as a CI step that exported a secret would leave it
    const build = runCli(["build", repo.path, "--key", key(), "--json"], { env: { SIGNING_KEY_PEM: pem } });
    const seen = await sandboxOf(repo.path, build);
    const result = await build;
    expect(result.exitCode).toBe(0);

    expect(seen).toBeDefined();
    const { sandbox, runner } = seen!;
    // the bunseal that runs git, the sandbox and the pipeline; still running while its sandbox does
    expect(runner).toBeDefined();
    expect(runner!.argv.join(" ")).toContain("build");
    expect(runner!.argv.join("\n")).not.toContain(key());
    expect(runner!.argv.join("\n")).not.toContain("bunseal.key");
    expect(runner!.environ).not.toContain("PRIVATE KEY");
    expect(sandbox.argv.join("\n")).not.toContain("PRIVATE KEY");
    expect(sandbox.environ).not.toContain("PRIVATE KEY");

    // and what it signed, it signed with the key: the bundle verifies against the key's public half
    expect(statementOf(result.json().bundle.path).subject[0].digest.sha256).toBe(result.json().artifact.digest.slice(7));
    const verified = await runCli(["verify", result.json().artifact.path, "--key", pub()]);
    expect(verified.exitCode).toBe(0);
  });

  test("a key that does not parse is still told as KEY_INVALID, exit 2", async () => {
    await using repo = await hostileRepo({ "src/index.ts": "console.log('hi');\n" });
    const bad = join(keys.path, "bad.key");
    await Bun.write(bad, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
    const refused = await runCli(["build", repo.path, "--key", bad, "--json"]);
    expect(refused.exitCode).toBe(2);
    expect(refused.json().error.code).toBe("KEY_INVALID");
    expect(refused.json().error.message).toContain(bad);
  });

  test("keys handed over on a pipe (--key /dev/fd/3) sign and verify, each read once", async () => {
    await using repo = await hostileRepo({ "src/index.ts": "console.log('hi');\n" });
    // as a CI step would hand over a secret it never writes under a path: a pipe on fd 3, which can be read only once
    const onPipe = async (keyFile: string, args: string[]) => {
      const proc = Bun.spawn(["bash", "-c", 'exec "$@" 3< <(cat "$KEY_FILE")', "bash", ...cliCommand(args)], { env: { ...process.env, KEY_FILE: keyFile, NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" });
      const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      if (exitCode !== 0) throw new Error(`${args.join(" ")} exited ${exitCode}: ${stderr}`);
      return JSON.parse(stdout);
    };
    const built = await onPipe(key(), ["build", repo.path, "--key", "/dev/fd/3", "--json"]);
    expect((await runCli(["verify", built.artifact.path, "--key", pub()])).exitCode).toBe(0);
    // the public key on a pipe too, where rebuild reads it (it read each key file twice)
    const rebuilt = await onPipe(pub(), ["rebuild", built.bundle.path, "--key", "/dev/fd/3", "--json"]);
    expect(rebuilt.reproducible).toBe(true);
  });

  test("an interrupt of the key-holding process stops the build it runs", async () => {
    await using repo = await hostileRepo({
      "src/index.ts": `import { slow } from "./macro.ts" with { type: "macro" };\nconsole.log(slow());\n`,
      "src/macro.ts": "export function slow() { Bun.sleepSync(4000); return 'done'; }\n",
    });
    const holder = Bun.spawn(cliCommand(["build", repo.path, "--key", key(), "--json"]), { env: { ...process.env, NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" });
    const seen = await sandboxOf(repo.path, holder.exited);
    expect(seen?.runner).toBeDefined();
    holder.kill("SIGINT");
    expect(await holder.exited).toBe(130);
    // the bunseal that ran the build is gone too (with the sandbox and its tracer), and signed nothing;
    // the kernel reaps what was killed a moment after the holder's exit is seen
    const deadline = Date.now() + 5_000;
    while (procOf(seen!.runner!.pid) && Date.now() < deadline) await Bun.sleep(50);
    expect(procOf(seen!.runner!.pid)).toBeUndefined();
    expect(existsSync(join(repo.path, ".bunseal", "out")) ? readdirSync(join(repo.path, ".bunseal", "out")).filter((f) => f.endsWith(".sigstore.json")) : []).toEqual([]);
  });

  test("a build whose key-holding process was killed signs nothing and ends", async () => {
    await using repo = await hostileRepo({
      "src/index.ts": `import { slow } from "./macro.ts" with { type: "macro" };\nconsole.log(slow());\n`,
      "src/macro.ts": "export function slow() { Bun.sleepSync(3000); return 'done'; }\n",
    });
    const holder = Bun.spawn(cliCommand(["build", repo.path, "--key", key(), "--json"]), { env: { ...process.env, NO_COLOR: "1" }, stdout: "ignore", stderr: "ignore" });
    const seen = await sandboxOf(repo.path, holder.exited);
    expect(seen?.runner).toBeDefined();
    holder.kill("SIGKILL");
    await holder.exited;
    // the orphaned bunseal finishes the build, finds nobody to sign it, and exits rather than waiting
    const deadline = Date.now() + 30_000;
    while (procOf(seen!.runner!.pid) && Date.now() < deadline) await Bun.sleep(100);
    expect(procOf(seen!.runner!.pid)).toBeUndefined();
    const out = join(repo.path, ".bunseal", "out");
    expect(existsSync(out) ? readdirSync(out).filter((f) => f.endsWith(".sigstore.json")) : []).toEqual([]);
  });
});
