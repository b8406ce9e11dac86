/**
 * bunseal's side of the prober (prober.ts): started with nsenter in the
 * sandbox's network namespace only, given the namespaces as open
 * descriptors, and read line by line. Its lines are timed as they arrive:
 * "ready" is the moment of readiness on bunseal's clock.
 */
import type { z } from "../vendor/zod.js";
import type { LoadSchema } from "../config/schema.ts";
import { SYSTEM_PATH } from "../sandbox/child-env.ts";
import { lineReader } from "./lines.ts";
import type { HeldNamespace } from "./net-namespace.ts";
import type { LoadReport, ProberConfig } from "./prober.ts";
import { RUN_PORT, type RunConfig } from "./run-sandbox.ts";
import { within } from "./within.ts";
import { ownScript } from "../release/own-script.ts";

type LoadConfig = z.output<typeof LoadSchema>;

/** util-linux's nsenter, by absolute path: PATH does not name the tool that crosses into the sandbox. */
export const NSENTER = "/usr/bin/nsenter";
const PROBER = ownScript(new URL("./prober.ts", import.meta.url));
/** how often the ready path is asked */
const POLL_MS = 3;

export interface ProberReports {
  proc: { pid: number; exited: Promise<number>; stdin: { write(text: string): unknown; flush(): unknown } };
  next(): Promise<{ up?: boolean } | undefined>;
  /** the arrival of its "ready", on bunseal's clock */
  nextReady(): Promise<number | undefined>;
  nextLoad(): Promise<LoadReport | undefined>;
  stderr(): Promise<string>;
  /** whether it has exited */
  ended(): boolean;
}

export function startProber(held: HeldNamespace, load: LoadConfig | undefined, run: RunConfig, timeoutMs: number): ProberReports {
  const config: ProberConfig = { port: RUN_PORT, readyPath: "http" in run.ready ? run.ready.http : undefined, pollMs: POLL_MS, requestTimeoutMs: timeoutMs, load };
  // bunseal's Bun, as bin/bunseal starts it: no .env, no bunfig.toml of wherever it stands.
  // The namespaces are handed over open, as descriptors 3 and 4: their network (and, as a user, the user
  // namespace that owns it). Never its PID or mount namespace: there the artifact could reach the prober
  // or the code it runs.
  const namespaces = held.user === undefined ? ["--net=/proc/self/fd/4"] : ["--user=/proc/self/fd/3", "--preserve-credentials", "--net=/proc/self/fd/4"];
  const proc = Bun.spawn([NSENTER, ...namespaces, "--", process.execPath, "--no-env-file", "--config=/dev/null", PROBER, JSON.stringify(config)], {
    cwd: "/",
    env: { PATH: SYSTEM_PATH, LANG: "C", LC_ALL: "C", TZ: "UTC" },
    stdio: ["pipe", "pipe", "pipe", held.user ?? "ignore", held.net],
  });
  // its report is one line holding every latency: no cut
  const lines = lineReader(proc.stdout, Number.POSITIVE_INFINITY);
  let exited = false;
  void proc.exited.then(() => (exited = true));
  const stderrText = new Response(proc.stderr).text();
  const parse = (line: string | undefined) => {
    if (line === undefined) return undefined;
    try {
      return JSON.parse(line) as { up?: boolean; ready?: boolean; load?: LoadReport };
    } catch {
      return undefined;
    }
  };
  const untilKind = <K extends "up" | "ready" | "load">(kind: K) => lines.until((line) => parse(line)?.[kind] !== undefined).then((line) => (line === undefined ? undefined : parse(line)));
  return {
    proc,
    next: () => untilKind("up"),
    nextReady: () => untilKind("ready").then((message) => (message ? performance.now() : undefined)),
    nextLoad: () => untilKind("load").then((message) => message?.load),
    ended: () => exited,
    stderr: () => within(1000, stderrText).then((text) => (text ?? "").trim().split("\n").at(-1) ?? ""),
  };
}
