/**
 * Runs a project's build script once, in the build's sandbox (the same
 * boundary as `bunseal build`: the commit read-only, no network, no key), with
 * Bun.build observed by a preload (observe-preload.ts). What the script writes
 * into the project lands in a scratch out folder, the one folder the sandbox
 * shows writable. Returns what the preload recorded and the files written.
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { DEFAULT_BUILD_TIMEOUT_MS } from "../build/run-build.ts";
import { killTree, waitGone } from "../build/process-tree.ts";
import { BunsealError } from "../errors.ts";
import { planBoundary } from "../sandbox/boundary.ts";
import { registerStopper } from "../util/scratch-registry.ts";
import { parseObserved, type ObservedEvent } from "./observed.ts";
import { ownScript } from "../release/own-script.ts";

const PRELOAD = ownScript(new URL("./observe-preload.ts", import.meta.url));

export interface WatchRequest {
  projectDir: string;
  repoRoot?: string;
  /** the package.json script to run (`bun run <script>`) */
  script: string;
  bunPath: string;
  host: Readonly<Record<string, string | undefined>>;
  timeoutMs?: number;
}

export interface Watched {
  events: ObservedEvent[];
  /**
   * Set when the script failed after at least one Bun.build call succeeded (a later step such as
   * `tsc --emitDeclarationOnly` writing into the read-only project): what it bundled is still
   * compared, and the failure is named. With no successful call a failure is BUILD_FAILED.
   */
  failed?: { code: number; why: string };
  /** the files the script wrote into the project, relative to it → where they are now */
  written: Map<string, string>;
  /** the scratch folder that stood for the project: each file written is at the same path under it */
  outRoot: string;
  /** removes the scratch folder */
  cleanup(): void;
}

export async function watchBuild(request: WatchRequest): Promise<Watched> {
  const scratch = realpathSync(mkdtempSync(join(tmpdir(), "bunseal-init-")));
  // outside the scratch folder the build writes: a file it can find is a file it can replace
  const own = realpathSync(mkdtempSync(join(tmpdir(), "bunseal-init-own-")));
  let made: { release(): void } | undefined;
  const cleanup = () => rmSync(scratch, { recursive: true, force: true });
  try {
    const tarPath = join(own, "unused.tar");
    await Bun.write(tarPath, "");
    // the script calls `bun` by name: the Bun that runs init, under that name, wherever it is installed
    const bin = join(own, "bin");
    await Bun.write(join(bin, ".keep"), "");
    symlinkSync(request.bunPath, join(bin, "bun"));
    const boundary = (made = await planBoundary({
      projectDir: request.projectDir,
      repoRoot: request.repoRoot,
      bunsealDirs: [join(request.projectDir, ".bunseal")],
      // the boundary's one writable file is the build worker's tar; init has none, so it gets a file nobody reads
      tarPath,
      writableDirs: [scratch],
      extra: [],
      network: false,
      deny: [],
      bunPath: request.bunPath,
      host: request.host,
      // init records no reads: its config is checked by building it, and that build is traced
      tracer: "untraced",
      readable: [bin],
    }));
    const env: Record<string, string> = {
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: scratch,
      TZ: "UTC",
      LC_ALL: "C",
      LANG: "C",
      NO_COLOR: "1",
      // every Bun process the script starts loads the observer, not only the first
      BUN_OPTIONS: `--preload=${PRELOAD}`,
      BUNSEAL_INIT_SCRATCH: scratch,
    };
    const proc = Bun.spawn([...boundary.argv, request.bunPath, "--no-env-file", "run", request.script], { cwd: request.projectDir, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const forget = registerStopper(() => void killTree(proc.pid));
    const timeoutMs = request.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(proc.pid);
    }, timeoutMs);
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    clearTimeout(timer);
    forget();
    // whatever the script left running is ended before its files are read
    await waitGone(killTree(proc.pid));
    if (timedOut) throw new BunsealError("TIMED_OUT", `script "${request.script}" ran longer than ${Math.round(timeoutMs / 1000)} s in the sandbox and was stopped; expected it to finish`, { field: `scripts.${request.script}`, expected: `at most ${timeoutMs} ms`, found: "still running, stopped" });
    const events = readdirSync(scratch)
      .filter((name) => /^observed-\d+\.json$/.test(name))
      .sort()
      .flatMap((name) => {
        if (!lstatSync(join(scratch, name)).isFile()) throw notAFile(name);
        return parseObserved(readFileSync(join(scratch, name), "utf8"), name);
      });
    let failed: Watched["failed"];
    if (code !== 0) {
      const error = scriptFailed(request.script, code, `${stderr}\n${stdout}`, boundary.layer !== undefined);
      if (!events.some((e) => e.kind === "build" && e.success === true)) throw error;
      failed = { code, why: error.message };
    }
    const outRoot = join(scratch, "out");
    const written = new Map<string, string>();
    for (const path of listFiles(outRoot)) written.set(path, join(outRoot, path));
    return { events, written, outRoot, cleanup, ...(failed ? { failed } : {}) };
  } catch (error) {
    cleanup();
    throw error;
  } finally {
    // what the script wrote into the project (its writable layer) goes with it
    made?.release();
    rmSync(own, { recursive: true, force: true });
  }
}

function scriptFailed(script: string, code: number, output: string, layered: boolean): BunsealError {
  const tail = output.trim().split("\n").slice(-12).join("\n");
  // where no writable layer could be made the commit is read-only in the sandbox: a write bunseal could not
  // send to the scratch folder says so (read-only to a user; to root's sandbox uid, which owns none of it, permission denied)
  const readOnly = !layered && /EROFS|read-only file system|EACCES|permission denied/i.test(output)
    ? "\n  the project is read-only in the sandbox: a script that writes into it other than through Bun.build, Bun.write or fs.cp/copyFile/writeFile/mkdir called on the fs module (a shell cp, tsc's declarations, a function imported by name) cannot be redirected by bunseal"
    : "";
  return new BunsealError("BUILD_FAILED", `script "${script}" failed in the sandbox (exit ${code}); expected it to build. Its output:\n${tail}${readOnly}`, { field: `scripts.${script}`, expected: "a successful build", found: `exit ${code}` });
}

/**
 * The files under `root`, relative to it. The sandbox wrote this folder: a
 * link in it would have bunseal, outside the sandbox (as root, maybe), read a
 * file the build was never shown and print part of it in the comparison. So
 * nothing but plain files and folders is accepted.
 */
function listFiles(root: string): string[] {
  if (!lstatSync(root, { throwIfNoEntry: false })?.isDirectory()) return [];
  const files: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) walk(join(dir, entry.name), path);
      else if (entry.isFile()) files.push(path);
      else throw notAFile(path);
    }
  };
  walk(root, "");
  return files.sort();
}

function notAFile(path: string): BunsealError {
  return new BunsealError("BUILD_FAILED", `the build script left ${path} in init's scratch folder, which is not a plain file; expected the files it writes (bunseal follows no link the script made)`, { file: path, expected: "a plain file", found: "a link or special file" });
}
