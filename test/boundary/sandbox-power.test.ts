/**
 * A sandbox without power (issue #18, Why 1 and the nested-namespace half of
 * Why 7): bubblewrap started by root kept almost every capability, so a macro
 * could unmount the mask over `.env`, remount the repository writable, open
 * any inode by handle, or make its own namespace where the read trace does not
 * look. Each test is a macro that tries, run through the real CLI, as root and
 * as an unprivileged user alike.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { hostileRepo } from "./hostile-repo.ts";
import { ENOSYS, EPERM, FFI_PRELUDE, probed, probeMacro, PROBE_ENTRY } from "./probe.ts";

let keys: TestDir;
beforeAll(async () => {
  keys = await makeTempDir("bunseal-keys-");
  expect((await runCli(["keygen", "--out", keys.path])).exitCode).toBe(0);
});
afterAll(() => keys?.cleanup());

const git = (cwd: string, ...args: string[]) => Bun.spawnSync(["git", ...args], { cwd, env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", HOME: "/nonexistent" } }).stdout.toString();

describe("the build holds no power over the machine", () => {
  test("a macro has no capabilities, no new privileges, a seccomp filter, and as root a real unprivileged uid", async () => {
    await using repo = await hostileRepo({
      "src/macro.ts": probeMacro(`
  const status = fs.readFileSync("/proc/self/status", "utf8");
  for (const name of ["CapEff", "CapPrm", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Uid", "Gid"]) found[name] = status.match(new RegExp("^" + name + ":\\\\s*(.*)$", "m"))?.[1]?.trim();
  found.uidMap = fs.readFileSync("/proc/self/uid_map", "utf8").trim();`),
      "src/index.ts": PROBE_ENTRY,
    });
    const built = await runCli(["build", ".", "--no-sign", "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    const found = await probed(built.json().artifact.path);
    expect(found).toMatchObject({ CapEff: "0000000000000000", CapPrm: "0000000000000000", CapBnd: "0000000000000000", CapAmb: "0000000000000000", NoNewPrivs: "1", Seccomp: "2" });
    // the same uid whoever builds, so that a macro inlining it gives the same bytes everywhere
    expect((found.Uid as string).split(/\s+/)).toEqual(["65534", "65534", "65534", "65534"]);
    // as root, in the machine's own user namespace (no mapping to uid 0): 65534 is the uid the kernel checks files against
    if (process.getuid?.() === 0) expect(found.uidMap).toMatch(/^0\s+0\s+4294967295$/);
    else expect(found.uidMap).toMatch(/^65534\s+\d+\s+1$/);
  });

  test("a macro cannot unmount the .env mask or remount the repository writable, and the work tree stays untouched", async () => {
    await using repo = await hostileRepo(
      {
        "src/macro.ts": probeMacro(`
  ${FFI_PRELUDE}
  const repo = process.cwd();
  found.umount = errno(libc.umount2(cstr(repo + "/.env"), 2));
  found.remount = errno(libc.mount(cstr(repo), cstr(repo), null, 0x1000 | 0x20 | 0x4000, null));
  found.umountTool = Bun.spawnSync(["umount", "-l", repo + "/.env"]).exitCode;
  found.remountTool = Bun.spawnSync(["mount", "-o", "remount,bind,rw", repo]).exitCode;
  found.wrote = attempt(() => (fs.writeFileSync(repo + "/planted.txt", "from the build"), "wrote"));
  found.env = attempt(() => fs.readFileSync(repo + "/.env", "utf8"));`),
        "src/index.ts": PROBE_ENTRY,
      },
      { ignore: [".env"] },
    );
    writeFileSync(join(repo.path, ".env"), "DEPLOY_TOKEN=ignored-dotenv-value-6d1f\n");
    const built = await runCli(["build", ".", "--key", join(keys.path, "bunseal.key"), "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    const found = await probed(built.json().artifact.path);
    expect(found.umount).toBe(EPERM);
    expect(found.remount).toBe(EPERM);
    expect(found.umountTool).not.toBe(0);
    expect(found.remountTool).not.toBe(0);
    // the write lands in the build's writable layer, which goes with the sandbox (test/boundary/writable-layer.test.ts)
    expect(found.wrote).toBe("wrote");
    expect(JSON.stringify(found)).not.toContain("ignored-dotenv-value-6d1f");
    expect(existsSync(join(repo.path, "planted.txt"))).toBe(false);
    expect(git(repo.path, "status", "--porcelain", "--untracked-files=all").split("\n").filter((line) => line !== "" && !line.includes(".bunseal"))).toEqual([]);
  });

  test("a macro cannot open files by handle (open_by_handle_at past every mask)", async () => {
    await using repo = await hostileRepo({
      "src/macro.ts": probeMacro(`
  ${FFI_PRELUDE}
  const handle = new Uint8Array(8 + 128);
  new DataView(handle.buffer).setUint32(0, 128, true);
  const mountId = new Int32Array(1);
  found.nameToHandle = errno(libc.name_to_handle_at(-100, cstr(process.cwd()), ffi.ptr(handle), ffi.ptr(mountId), 0));
  // a handle made by hand: the root inode of an ext4 file system (inode 2, FILEID_INO32_GEN)
  const root = new Uint8Array(16);
  const view = new DataView(root.buffer);
  view.setUint32(0, 8, true);
  view.setInt32(4, 1, true);
  view.setUint32(8, 2, true);
  const dir = fs.openSync(process.cwd(), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  found.openByHandle = errno(libc.open_by_handle_at(dir, ffi.ptr(root), 0));`),
      "src/index.ts": PROBE_ENTRY,
    });
    const built = await runCli(["build", ".", "--no-sign", "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    const found = await probed(built.json().artifact.path);
    expect(found).toMatchObject({ nameToHandle: EPERM, openByHandle: EPERM });
  });

  test("a macro cannot make a namespace of its own, where the read trace would not look (unshare -Urm)", async () => {
    await using repo = await hostileRepo({
      "src/macro.ts": probeMacro(`
  ${FFI_PRELUDE}
  const tool = Bun.spawnSync(["unshare", "-Urm", "cat", "/proc/self/status"], { stderr: "pipe" });
  found.unshareTool = tool.exitCode;
  found.unshareStderr = tool.stderr.toString().trim();
  // CLONE_NEWUSER | CLONE_NEWNS, straight to the kernel
  found.unshare = errno(libc.unshare(0x10000000 | 0x00020000));
  // clone with CLONE_NEWUSER (and CLONE_FS, which the kernel refuses with EINVAL, so no process is ever made): the filter answers first
  found.clone = errno(libc.syscall(process.arch === "arm64" ? 220 : 56, 0x10000000 | 0x200, 0, 0, 0, 0));
  // clone3 hides its flags in memory the filter cannot read: refused as if absent, so libc falls back to clone
  found.clone3 = errno(libc.syscall(435, 0, 0, 0, 0, 0));`),
      "src/index.ts": PROBE_ENTRY,
    });
    const built = await runCli(["build", ".", "--no-sign", "--json"], { cwd: repo.path });
    expect(built.exitCode).toBe(0);
    const found = await probed(built.json().artifact.path);
    expect(found.unshareTool).not.toBe(0);
    expect(found.unshareStderr).toContain("Operation not permitted");
    expect(found.unshare).toBe(EPERM);
    expect(found.clone).toBe(EPERM);
    expect(found.clone3).toBe(ENOSYS);
  });
});
