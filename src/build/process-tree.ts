/**
 * Ending the build's sandbox from outside: every process below the one bunseal
 * started is killed, and bunseal waits until each is dead before it reads what
 * the build wrote. A macro can leave a process behind (setsid, a double fork);
 * in the sandbox's PID namespace it dies with the namespace's first process,
 * which is killed here with the rest, so nothing can write the tar once it is
 * read. Where there is no sandbox a process that left the tree cannot be
 * found; measure-tar.ts keeps the bytes it hashed for that case.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";

interface Proc {
  pid: number;
  /** the kernel's start time of the process, so a reused pid is not taken for it */
  started: string;
}

/** pid, parent pid and start time from /proc/<pid>/stat; undefined when it is gone or a zombie (it can do nothing more). */
function stat(pid: number): { ppid: number; started: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ")"
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X") return undefined;
  return { ppid: Number(fields[1]), started: fields[19]! };
}

/** `root` and every live process below it, parents first. */
export function processTree(root: number): Proc[] {
  const children = new Map<number, Proc[]>();
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    // no /proc (not Linux, where there is no sandbox either): the process itself, killed by pid
    return [{ pid: root, started: "" }];
  }
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const info = stat(pid);
    if (!info) continue;
    const list = children.get(info.ppid) ?? [];
    list.push({ pid, started: info.started });
    children.set(info.ppid, list);
  }
  const self = stat(root);
  if (!self) return [];
  const tree: Proc[] = [{ pid: root, started: self.started }];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!.pid) ?? []));
  return tree;
}

const exeOf = (pid: number) => {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
};

/**
 * SIGKILL to `root` and everything below it, except a process running one of
 * `spare` (a tracer wrapped around the sandbox, which must live on to write
 * out its trace; check's faketime, which must remove its semaphore: each exits
 * once what it wraps is gone). Returns what was killed.
 */
export function killTree(root: number, ...spare: (string | undefined)[]): Proc[] {
  // /proc/<pid>/exe names the program by its real path
  const spared = new Set(spare.filter((path): path is string => path !== undefined).map((path) => realpathSync(path)));
  const killed: Proc[] = [];
  for (const proc of processTree(root)) {
    if (spared.size > 0 && spared.has(exeOf(proc.pid) ?? "")) continue;
    try {
      process.kill(proc.pid, "SIGKILL");
      killed.push(proc);
    } catch {
      // gone already
    }
  }
  return killed;
}

/** Settles once every one of `procs` is dead (gone, a zombie, or its pid reused), polling /proc. */
export async function waitGone(procs: readonly Proc[], timeoutMs = 10_000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  // without /proc there is nothing to poll: the caller has awaited the process's own exit
  let alive = procs.filter((p) => p.started !== "");
  for (;;) {
    alive = alive.filter((p) => stat(p.pid)?.started === p.started);
    if (alive.length === 0) return true;
    if (performance.now() > deadline) return false;
    await Bun.sleep(5);
  }
}
