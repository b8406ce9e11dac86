/**
 * Host facts do not reach the output (issue #18, Why 8): with no UTS
 * namespace, the host's /etc and the kernel's /proc files, a macro could
 * inline the host name, the host's accounts, its boot id and kernel build
 * into a signed artifact, unrecorded. The build sees generated stand-ins.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { runCli } from "../helpers/cli.ts";
import { hostileRepo } from "./hostile-repo.ts";
import { probed, probeMacro, PROBE_ENTRY } from "./probe.ts";

test("a macro sees no host name, host account, boot id, kernel build, host process or TLS material of this machine", async () => {
  await using repo = await hostileRepo({
    "src/macro.ts": probeMacro(`
  found.hostname = os.hostname();
  found.uname = Bun.spawnSync(["uname", "-n"]).stdout.toString().trim();
  for (const path of ["/etc/passwd", "/etc/group", "/etc/hosts", "/etc/hostname", "/proc/sys/kernel/random/boot_id", "/proc/version", "/proc/cmdline"]) found[path] = attempt(() => fs.readFileSync(path, "utf8"));
  found.user = Bun.spawnSync(["id", "-un"]).stdout.toString().trim();
  found.sslPrivate = attempt(() => fs.readdirSync("/etc/ssl/private"));
  found.certificates = attempt(() => fs.readdirSync("/etc/ssl/certs"));
  found.processes = fs.readdirSync("/proc").filter((name) => /^\\d+$/.test(name)).map((pid) => attempt(() => fs.readFileSync("/proc/" + pid + "/cmdline", "utf8").replaceAll("\\0", " ")));`),
    "src/index.ts": PROBE_ENTRY,
  });
  const built = await runCli(["build", ".", "--no-sign", "--json"], { cwd: repo.path });
  expect(built.exitCode).toBe(0);
  const found = await probed(built.json().artifact.path);
  const seen = JSON.stringify(found);

  expect(found.hostname).toBe("bunseal-sandbox");
  expect(found.uname).toBe("bunseal-sandbox");
  expect(found.hostname).not.toBe(hostname());
  // every account of this machine but root is unknown inside
  const hostUsers = readFileSync("/etc/passwd", "utf8").split("\n").map((line) => line.split(":")[0]!).filter((name) => name !== "" && name !== "root");
  expect(hostUsers.length).toBeGreaterThan(0);
  const passwd = found["/etc/passwd"] as string;
  for (const user of hostUsers) expect(passwd.split("\n").map((line) => line.split(":")[0])).not.toContain(user);
  expect(found.user).toBe("bunseal");
  expect((found["/etc/hosts"] as string).split(/\s+/)).not.toContain(hostname());
  expect(seen).not.toContain(readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim());
  expect(found["/proc/version"]).not.toBe(readFileSync("/proc/version", "utf8"));
  expect(seen).not.toContain(readFileSync("/proc/cmdline", "utf8").trim());
  expect(found.sslPrivate).toStartWith("error:");
  // CA certificates are for a build with the network, and this one has none
  expect(found.certificates).toStartWith("error:");
  // its own PID namespace: bwrap's init, the build and what it started, never this test's runner
  expect((found.processes as string[]).length).toBeLessThan(8);
  expect(seen).not.toContain("host-facts.test.ts");
});
