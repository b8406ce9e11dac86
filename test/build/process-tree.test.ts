/**
 * Ending the build's sandbox from outside: every process below the one bunseal
 * started is killed and waited for, except a tracer named to be spared, which
 * must live on to write out its trace.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { killTree, processTree, waitGone } from "../../src/build/process-tree.ts";

/** Running, not a zombie: an orphan's zombie waits for a reaper (pid 1 of a container may never come), and can do nothing more. */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return !["Z", "X"].includes(stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3));
  } catch {
    return false;
  }
};

/** A shell that leaves two sleepers below it and says their pids. */
async function tree(): Promise<{ shell: Bun.Subprocess; pids: number[] }> {
  const shell = Bun.spawn(["/bin/sh", "-c", "sleep 60 & echo $!; sh -c 'sleep 60 & echo $!; wait' & wait"], { stdout: "pipe", stderr: "ignore" });
  const reader = shell.stdout.getReader();
  let text = "";
  while (text.trim().split("\n").length < 2) text += new TextDecoder().decode((await reader.read()).value);
  reader.releaseLock();
  return { shell, pids: text.trim().split("\n").map(Number) };
}

test("kills a process and everything it left below it, and waits until each is dead", async () => {
  const { shell, pids } = await tree();
  const found = processTree(shell.pid).map((p) => p.pid);
  for (const pid of [shell.pid, ...pids]) expect(found).toContain(pid);
  const killed = killTree(shell.pid);
  expect(await waitGone(killed)).toBe(true);
  await shell.exited;
  for (const pid of pids) expect(alive(pid)).toBe(false);
});

test("spares the tracer's program but kills what runs below it", async () => {
  // the shell plays the tracer: it is spared and exits once its children are gone
  const { shell, pids } = await tree();
  const killed = killTree(shell.pid, "/bin/sh");
  expect(killed.map((p) => p.pid)).not.toContain(shell.pid);
  expect(await waitGone(killed)).toBe(true);
  for (const pid of pids) expect(alive(pid)).toBe(false);
  expect(await shell.exited).toBe(0);
});
