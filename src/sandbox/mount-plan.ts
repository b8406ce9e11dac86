/**
 * bwrap's mount operations, in order, with the folders each needs made first.
 * bwrap makes a missing parent folder 0700 and owned by whoever runs it: as
 * root the build (another uid) could not pass it to reach the bunseal code or
 * the repository bound beneath. Every such folder is made here, 0755, before
 * the mount that needs it. It also remembers which host path is shown where,
 * so that a key under any of them can be found and masked.
 */
import { realpathSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { isInside } from "./hidden-paths.ts";

interface Mount {
  dest: string;
  /** a bind of a host folder shows what the host has under it; a tmpfs or a made folder holds nothing yet */
  holds: "host" | "nothing";
}

export class MountPlan {
  readonly args: string[] = [];
  /** host path (real) → where it is shown */
  readonly shown: { source: string; dest: string }[] = [];
  private readonly mounts: Mount[] = [{ dest: "/", holds: "nothing" }];

  /** `shows`: the host folder the source shows (an overlay of it), when that is not the source itself */
  bind(source: string, dest = source, flag: "--ro-bind" | "--bind" = "--ro-bind", shows = source): void {
    this.parents(dest);
    this.args.push(flag, source, dest);
    this.mounts.push({ dest, holds: "host" });
    this.shown.push({ source: realpathSync(shows), dest });
  }

  /** a generated file or /dev/null over a path: shows no host folder */
  file(source: string, dest: string): void {
    this.parents(dest);
    this.args.push("--ro-bind", source, dest);
  }

  tmpfs(dest: string, perms?: string): void {
    this.parents(dest);
    if (perms) this.args.push("--perms", perms);
    this.args.push("--tmpfs", dest);
    this.mounts.push({ dest, holds: "nothing" });
  }

  special(flag: "--dev" | "--proc", dest: string): void {
    this.parents(dest);
    this.args.push(flag, dest);
    // bwrap's /dev has a few nodes and no folders of the host's (/dev/shm is empty); /proc is the kernel's
    this.mounts.push({ dest, holds: flag === "--proc" ? "host" : "nothing" });
  }

  symlink(target: string, dest: string): void {
    this.parents(dest);
    this.args.push("--symlink", target, dest);
  }

  dir(dest: string): void {
    this.parents(dest);
    this.args.push("--perms", "0755", "--dir", dest);
    this.mounts.push({ dest, holds: "nothing" });
  }

  /** Every place a host file (real path) is shown at, through any bind. */
  shownAt(real: string): string[] {
    return this.shown.filter((b) => isInside(b.source, real)).map((b) => join(b.dest, relative(b.source, real)));
  }

  private parents(dest: string): void {
    const missing: string[] = [];
    for (let dir = dirname(dest); dir !== "/"; dir = dirname(dir)) {
      if (this.exists(dir)) break;
      missing.push(dir);
    }
    for (const dir of missing.reverse()) {
      this.args.push("--perms", "0755", "--dir", dir);
      this.mounts.push({ dest: dir, holds: "nothing" });
    }
  }

  /** whether `dir` is there already: a mount point, or inside a bind of a host folder (which has it) */
  private exists(dir: string): boolean {
    let inner: Mount | undefined;
    for (const mount of this.mounts) if (isInside(mount.dest, dir) && (!inner || mount.dest.length >= inner.dest.length)) inner = mount;
    return inner !== undefined && (inner.dest === dir || inner.holds === "host");
  }
}
