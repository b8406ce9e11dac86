/**
 * Real unwritable and full folders for tests that run as root, where chmod
 * stops nothing: a read-only bind mount, and a tiny tmpfs filled to the brim.
 * Every mount made here is listed so the suite can unmount it in afterAll.
 */
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

const mounted: string[] = [];

function run(cmd: string, args: string[]): void {
  const result = spawnSync(cmd, args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
}

/** `dir` becomes a read-only view of itself (whatever it holds stays readable). */
export async function makeReadOnly(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  run("mount", ["--bind", dir, dir]);
  mounted.push(dir);
  run("mount", ["-o", "remount,bind,ro", dir]);
  return dir;
}

/** `dir` becomes a 64 KiB tmpfs with no byte left free. */
export async function makeFull(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
  mounted.push(dir);
  const chunk = new Uint8Array(4096);
  for (let i = 0; ; i++) {
    try {
      await writeFile(join(dir, `filler-${i}`), chunk);
    } catch {
      break;
    }
  }
  return dir;
}

export function unmountAll(): void {
  // newest first: a mount on top of another comes off first
  for (const dir of mounted.splice(0).reverse()) spawnSync("umount", ["-l", dir]);
}

export function canMount(): boolean {
  return process.getuid?.() === 0 && spawnSync("mount", ["--version"]).status === 0;
}
