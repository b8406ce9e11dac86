/**
 * What the artifact can reach while it is measured: loopback and nothing
 * else of the network, none of bunseal's environment, HOME or files, its own
 * files read-only, a /tmp of its own, and no sight of the prober that times
 * it. Each service reports what it sees in its last line of stderr and exits
 * 1, which runOnce returns as the run's problem: the facts come from inside.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { homedir, networkInterfaces } from "node:os";
import { join } from "node:path";
import { runOnce } from "../../src/measure/run-artifact.ts";
import { testdir } from "../helpers/testdir.ts";
import { service, target } from "./run-helpers.ts";

/** What the service printed last on stderr, parsed: runOnce reports it as "exited with status 1: LINE". */
async function seenInside(code: string, env: Record<string, string> = {}, ready: { http: string } | { exit: 0 } = { exit: 0 }): Promise<Record<string, unknown>> {
  await using dir = await service(`${code}\nconsole.error(JSON.stringify(seen));\nprocess.exit(1);\n`);
  const run = await runOnce(target(dir.path, { ready, env }));
  expect(run.crashed).toBe(true);
  const prefix = ready && "http" in ready ? "exited with status 1 before it was ready: " : "exited with status 1: ";
  expect(run.problem).toStartWith(prefix);
  return JSON.parse(run.problem!.slice(prefix.length));
}

/** A non-loopback address of this machine, where the test listens. */
function hostAddress(): string {
  const found = Object.values(networkInterfaces())
    .flat()
    .find((info) => info && info.family === "IPv4" && !info.internal);
  if (!found) throw new Error("this machine has no non-loopback IPv4 address to test against");
  return found.address;
}

let listener: ReturnType<typeof Bun.serve> | undefined;
beforeAll(() => {
  listener = Bun.serve({ hostname: "0.0.0.0", port: 0, fetch: () => new Response("host") });
});
afterAll(() => listener?.stop(true));

describe("the artifact's sandbox", () => {
  test("sees only the loopback interface, and cannot reach the host's address", async () => {
    const address = hostAddress();
    const seen = await seenInside(`
import { readFileSync } from "node:fs";
const seen = { ifaces: readFileSync("/proc/net/dev", "utf8").split("\\n").slice(2).map((l) => l.split(":")[0].trim()).filter(Boolean) };
seen.host = await Bun.connect({ hostname: ${JSON.stringify(address)}, port: ${listener!.port}, socket: { data() {} } }).then(() => "reached", (e) => e.code);
`);
    expect(seen.ifaces).toEqual(["lo"]);
    expect(seen.host).not.toBe("reached");
    // the same connection from outside the sandbox does reach it: the refusal is the sandbox's
    expect(await (await fetch(`http://${address}:${listener!.port}/`)).text()).toBe("host");
  }, 30_000);

  test("gets only the run's env, the port and fixed values: nothing of bunseal's environment, HOME or files", async () => {
    process.env.BUNSEAL_TEST_TOKEN = "s3cr3t-from-bunseal";
    await using outside = await testdir({ "note.txt": "bunseal's own file" });
    const mine = join(outside.path, "note.txt");
    try {
      const seen = await seenInside(
        `import { existsSync } from "node:fs";
const seen = { keys: Object.keys(process.env).sort(), home: process.env.HOME, port: process.env.PORT, mode: process.env.APP_MODE, homeThere: existsSync(process.env.HOST_HOME), fileThere: existsSync(process.env.HOST_FILE) };`,
        { APP_MODE: "production", HOST_HOME: homedir(), HOST_FILE: mine },
      );
      expect(seen).toEqual({
        keys: ["APP_MODE", "HOME", "HOST_FILE", "HOST_HOME", "LANG", "LC_ALL", "PATH", "PORT", "PWD", "TMPDIR", "TZ"],
        home: "/nonexistent",
        port: "3000",
        mode: "production",
        homeThere: false,
        fileThere: false,
      });
    } finally {
      delete process.env.BUNSEAL_TEST_TOKEN;
    }
  }, 30_000);

  test("its own files are read-only, and /tmp is its own and writable", async () => {
    const seen = await seenInside(`import { writeFileSync, readdirSync } from "node:fs";
const attempt = (path) => { try { writeFileSync(path, "x"); return "wrote"; } catch (e) { return e.code; } };
const seen = { cwd: process.cwd(), own: attempt("index.js"), beside: attempt("new.js"), tmp: attempt("/tmp/scratch"), tmpHeld: readdirSync("/tmp") };`);
    expect(seen.cwd).toBe("/artifact");
    expect(seen.own).toBeOneOf(["EROFS", "EACCES"]);
    expect(seen.beside).toBeOneOf(["EROFS", "EACCES"]);
    expect(seen.tmp).toBe("wrote");
    expect(seen.tmpHeld).toEqual(["scratch"]);
  }, 30_000);

  test("cannot see the prober that times it, nor any process but its own", async () => {
    const seen = await seenInside(
      `import { readdirSync, readFileSync } from "node:fs";
const pids = readdirSync("/proc").filter((n) => /^\\d+$/.test(n));
const cmdlines = pids.map((p) => { try { return readFileSync("/proc/" + p + "/cmdline", "utf8"); } catch { return "?"; } });
const seen = { others: pids.filter((p) => p !== "1" && p !== String(process.pid)), prober: cmdlines.filter((c) => c.includes("prober")).length };`,
      {},
      { http: "/health" },
    );
    // bwrap's init (pid 1) and the service itself, nothing else
    expect(seen).toEqual({ others: [], prober: 0 });
  }, 30_000);
});
