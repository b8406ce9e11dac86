/**
 * The host facts the build sees, made up here instead of read from the host:
 * users and groups (the sandbox user and root, not the host's accounts), the
 * hosts file (localhost only), the host name, the boot id and the kernel's
 * version string. Each would otherwise reach the output unrecorded (a macro
 * that inlines `os.hostname()` or `/etc/passwd`) and differ from machine to
 * machine; fixed, they are neither a leak nor a source of irreproducibility.
 * The files live in one folder of bunseal's own (0700), written once per
 * process, and are shown read-only at their usual paths.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerScratch } from "../util/scratch-registry.ts";
import { seccompArch, seccompProgram, type SeccompAllowance } from "./seccomp.ts";

export const SANDBOX_HOSTNAME = "bunseal-sandbox";
export const SANDBOX_USER = "bunseal";
/** The build's uid and gid when bunseal runs as root: the kernel's overflow id, owner of nothing that matters. */
export const SANDBOX_ID = 65534;

export interface SandboxIds {
  uid: number;
  gid: number;
}

/** `/etc/passwd`, `/etc/group`, `/etc/hosts` and the /proc files that would name the host, by path inside the sandbox. */
export function sandboxEtc(ids: SandboxIds): Record<string, string> {
  const home = "/tmp";
  return {
    "/etc/passwd": `root:x:0:0:root:/root:/usr/sbin/nologin\n${ids.uid === 0 ? "" : `${SANDBOX_USER}:x:${ids.uid}:${ids.gid}:bunseal build:${home}:/usr/sbin/nologin\n`}`,
    "/etc/group": `root:x:0:\n${ids.gid === 0 ? "" : `${SANDBOX_USER}:x:${ids.gid}:\n`}`,
    "/etc/hosts": `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t${SANDBOX_HOSTNAME}\n`,
    "/etc/hostname": `${SANDBOX_HOSTNAME}\n`,
    // the boot id names this boot of this machine; the version string its kernel build and compiler
    "/proc/sys/kernel/random/boot_id": "00000000-0000-4000-8000-000000000000\n",
    "/proc/version": "Linux version 0.0.0 (bunseal-sandbox) #1\n",
    "/proc/cmdline": "\n",
  };
}

export interface SandboxKit {
  /** generated file on the host → path inside the sandbox */
  files: { source: string; dest: string }[];
  /** the seccomp program for this machine's architecture, as a file bwrap reads through a descriptor */
  seccomp: string;
}

const kits = new Map<string, SandboxKit>();
let folder: string | undefined;

/** The generated files for these ids and allowances, written on first use and removed with bunseal's other scratch. */
export function sandboxKit(ids: SandboxIds, allow: readonly SeccompAllowance[] = []): SandboxKit {
  const key = `${ids.uid}:${ids.gid}:${[...allow].sort().join(",")}`;
  const known = kits.get(key);
  if (known) return known;
  const arch = seccompArch();
  if (!arch) throw new Error(`no seccomp filter for ${process.arch}; sandboxAvailability refuses this machine before a sandbox is planned`);
  if (!folder) {
    const made = mkdtempSync(join(tmpdir(), "bunseal-sandbox-"));
    folder = made;
    registerScratch(made);
    // kept for every sandbox of this process, and gone with it: each run left one in /tmp before
    process.once("exit", () => rmSync(made, { recursive: true, force: true }));
    // the shell that opens the filter may already run as another uid (check's `user` variation); nothing here is secret
    chmodSync(folder, 0o755);
  }
  const dir = mkdtempSync(join(folder, "kit-"));
  chmodSync(dir, 0o755);
  const files = Object.entries(sandboxEtc(ids)).map(([dest, text]) => {
    const source = join(dir, dest.replaceAll("/", "_"));
    // readable by the sandbox user: bind mounts keep the file's own mode
    writeFileSync(source, text, { mode: 0o444 });
    return { source, dest };
  });
  const seccomp = join(dir, "seccomp.bpf");
  writeFileSync(seccomp, seccompProgram(arch, allow), { mode: 0o444 });
  const kit = { files, seccomp };
  kits.set(key, kit);
  return kit;
}
