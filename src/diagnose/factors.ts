/**
 * What a rebuild experiment can change, one factor at a time, and the cause
 * each factor stands for when changing it changes a file. Built from the
 * tools the check's probe found (src/check/probe-variations.ts), so a factor
 * whose tool is missing is simply not offered.
 */
import type { BuildVariation } from "../build/plan.ts";
import type { VariationTools } from "../check/variations.ts";
import type { CauseKind } from "../rebuild/cause.ts";

/** A change to the rebuild's environment or to its checkout, for one experiment build. */
export interface Change {
  variation?: BuildVariation;
  /** build the checkout under another path, of another length (it is renamed for the build and back) */
  renamed?: boolean;
  /** re-list every folder of the project in reverse order (renames on the memory file system) and back */
  reordered?: boolean;
  /** the checkout's files from a copy on another file system (disk, when the checkout is on tmpfs), shown at the same path */
  otherFilesystem?: boolean;
  /** build as another uid: the experiment's out folder is handed to it first (`asUser(outDir)` gives the wrapper) */
  asUser?: (outDir: string) => string[];
  /** every file of the checkout (not .git, not node_modules) with its modification time moved ahead, and put back exactly after */
  mtimeShifted?: boolean;
  /** a shorter limit for this build, in ms (a stopped monotonic clock can stop a macro's timers forever) */
  timeoutMs?: number;
}

export interface Factor {
  name: string;
  kind: CauseKind;
  change: Change;
  /** what the change is, for the report */
  describe: string;
}

/** Merges several changes into one build (for bisection): wrappers nest, variables add up. */
export function combine(factors: readonly Factor[]): Change {
  const env: Record<string, string> = {};
  const wrapper: string[] = [];
  let renamed = false;
  let reordered = false;
  let asUser: Change["asUser"];
  let otherFilesystem = false;
  let mtimeShifted = false;
  for (const f of factors) {
    Object.assign(env, f.change.variation?.env);
    wrapper.push(...(f.change.variation?.wrapper ?? []));
    renamed ||= f.change.renamed === true;
    reordered ||= f.change.reordered === true;
    asUser ??= f.change.asUser;
    otherFilesystem ||= f.change.otherFilesystem === true;
    mtimeShifted ||= f.change.mtimeShifted === true;
  }
  return { variation: { ...(Object.keys(env).length > 0 ? { env } : {}), ...(wrapper.length > 0 ? { wrapper } : {}) }, renamed, reordered, otherFilesystem, mtimeShifted, ...(asUser ? { asUser } : {}) };
}

export const FROZEN_TIME = "2020-01-01 00:00:00";

/** nobody: a user every Linux has, who owns nothing of the build's */
const OTHER_UID = 65534;

/**
 * The clock stopped at one instant, for telling a value that follows the
 * clock from one that is random: two builds with the clock frozen agree on
 * the first. Monotonic time keeps running, or Bun's timers would never fire.
 */
export function frozenClock(tools: VariationTools): Change | undefined {
  if (!tools.faketime) return undefined;
  return { variation: { wrapper: [tools.faketime, "-f", FROZEN_TIME], env: { FAKETIME_DONT_FAKE_MONOTONIC: "1" } } };
}

/**
 * Both clocks stopped, the monotonic one too (performance.now(), process.hrtime()).
 * Measured with Bun 1.4.5 under faketime: Bun.build runs and a macro's
 * performance.now() reads 0, but a setTimeout never fires, so these builds
 * get a short limit of their own.
 */
export function frozenClocks(tools: VariationTools): Change | undefined {
  if (!tools.faketime) return undefined;
  return { variation: { wrapper: [tools.faketime, "-f", FROZEN_TIME] }, timeoutMs: FROZEN_MONOTONIC_TIMEOUT_MS };
}

/** A build of a few seconds under load, with room; a macro waiting on a timer that never fires is stopped here. */
export const FROZEN_MONOTONIC_TIMEOUT_MS = 20_000;

export interface FactorContext {
  tools: VariationTools;
  /** whether unshare --uts works here (root) */
  hostname: boolean;
  /** whether another uid can reach bunseal, its Bun and the checkout (root, and nothing in a private folder) */
  user: boolean;
  /** whether the system's temporary folder is on another kind of file system than the checkout */
  otherFilesystem: boolean;
  /** the variables the build could see, with the values the rebuild used */
  env: ReadonlyMap<string, string>;
  /** whether the builds run in bunseal's sandbox, which names every host alike and runs every build as one uid of its own */
  sandboxed?: boolean;
}

/** Every factor this machine can vary, in a neutral order (the search splits a group with the suspects on one side). */
export function availableFactors(ctx: FactorContext): Factor[] {
  const { tools } = ctx;
  const factors: Factor[] = [
    { name: "build-path", kind: "build-path", change: { renamed: true }, describe: "the checkout under a path of another length" },
    { name: "file-order", kind: "file-order", change: { reordered: true }, describe: "every folder of the project listed in reverse order" },
  ];
  // the copy keeps every file's modification time and mode: it varies the directory order, nothing else
  if (ctx.otherFilesystem) factors.push({ name: "filesystem", kind: "file-order", change: { otherFilesystem: true }, describe: "the checkout's files on another file system (disk rather than tmpfs), at the same path, with their modification times and modes" });
  factors.push({ name: "mtime", kind: "mtime", change: { mtimeShifted: true }, describe: "every file of the checkout with its modification time 397 days ahead (nothing else changed)" });
  if (tools.faketime) factors.push({ name: "clock", kind: "timestamp", change: { variation: { wrapper: [tools.faketime, "-f", "+397d"], env: { FAKETIME_DONT_FAKE_MONOTONIC: "1" } } }, describe: "the clock 397 days ahead" });
  factors.push({ name: "timezone", kind: "timezone", change: { variation: { env: { TZ: "Pacific/Chatham" } } }, describe: "TZ=Pacific/Chatham" });
  factors.push({ name: "locale", kind: "locale", change: { variation: { env: { LC_ALL: "de_DE.UTF-8", LANG: "de_DE.UTF-8" } } }, describe: "LC_ALL=de_DE.UTF-8" });
  if (tools.sh) factors.push({ name: "umask", kind: "file-mode", change: { variation: { wrapper: [tools.sh, "-c", 'umask 077 && exec "$@"', "sh"] } }, describe: "umask 077" });
  // in the sandbox the build sees its host name and uid, never the machine's: varying those would be a factor that cannot move anything, and a longer bisection
  if (ctx.hostname && tools.unshare && tools.sh && !ctx.sandboxed) {
    factors.push({ name: "hostname", kind: "hostname", change: { variation: { wrapper: [tools.unshare, "--uts", "--", tools.sh, "-c", 'hostname "$0" && exec "$@"', "bunseal-diagnose-host"] } }, describe: "another host name (a UTS namespace)" });
  }
  if (ctx.user && tools.sh && tools.setpriv && !ctx.sandboxed) {
    const [sh, setpriv] = [tools.sh, tools.setpriv];
    const asUser = (outDir: string) => [sh, "-c", 'chown -R "$0" "$1" && shift && exec "$@"', `${OTHER_UID}:${OTHER_UID}`, outDir, setpriv, `--reuid=${OTHER_UID}`, `--regid=${OTHER_UID}`, "--clear-groups", "--"];
    factors.push({ name: "user", kind: "user", change: { asUser }, describe: `another user (uid ${OTHER_UID})` });
  }
  if (ctx.env.size > 0) {
    const env = Object.fromEntries([...ctx.env].map(([name, value]) => [name, `${value}-bunseal-diagnose`]));
    factors.push({ name: "env", kind: "env-var", change: { variation: { env } }, describe: `other values for ${[...ctx.env.keys()].join(", ")}` });
  }
  return factors;
}

/**
 * The clock set back to when the original build started, and running: a
 * change toward the original, for a rebuild whose own build fails (a macro
 * that refuses a date).
 */
export function recordedClock(tools: VariationTools, startedOn: Date | undefined): Factor | undefined {
  if (!tools.faketime || !startedOn) return undefined;
  // faketime reads "@Y-M-D h:m:s" in the local zone of the build, which bunseal sets to UTC
  const at = startedOn.toISOString().slice(0, 19).replace("T", " ");
  return { name: "recorded-clock", kind: "timestamp", change: { variation: { wrapper: [tools.faketime, "-f", `@${at}`], env: { FAKETIME_DONT_FAKE_MONOTONIC: "1" } } }, describe: `the clock set to the original's recorded start (${startedOn.toISOString()})` };
}
