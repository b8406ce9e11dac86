/**
 * What `bunseal check` varies, one named variation at a time, in the spirit
 * of reprotest: each says how it changes the build (its environment, the
 * command the build runs through, or the copy of the project it runs in).
 * Some need a tool or root; probe-variations.ts says which can run here.
 * None varies what the commit fixes (its files, their contents, the config
 * and so the entrypoints' order): a change there is no nondeterminism, and
 * varying it raised a false alarm on a split app (issue #21).
 */
import type { BuildVariation } from "../build/plan.ts";
import { MTIME_SHIFT_DAYS } from "./keep-times.ts";

export const VARIATION_NAMES = ["build-path", "file-order", "filesystem", "mtime", "clock", "timezone", "locale", "umask", "env", "hostname", "user", "install"] as const;
export type VariationName = (typeof VARIATION_NAMES)[number];

/** How a build under some set of variations differs from the baseline. */
export interface VariationPlan {
  /** copy the project to a path of another length */
  longerPath: boolean;
  /** create the copy's files in reverse order (on tmpfs, directory listings follow creation order) */
  reverseCreation: boolean;
  /** show the copy's files from a copy on the project's own file system, at the same path */
  projectFilesystem: boolean;
  /** the project's own files modified later in the copy (its installed packages keep their times) */
  laterMtimes: boolean;
  /** the packages installed again into the copy, sandboxed, from the lockfile */
  reinstall: boolean;
  /** extra variables in bunseal's own environment: the sanitiser must drop them */
  hostEnvNoise: Record<string, string>;
  build: BuildVariation;
  /** what each variation changes, in words, for the report */
  notes: string[];
}

export interface VariationContext {
  /** names of the variables the config lets the build see, and their baseline values */
  allowedEnv: ReadonlyMap<string, string>;
  /**
   * the allowed names the config inlines (`build.env`, see inlinedEnvNames):
   * not varied, since the output holds their values by design and another
   * value changing it would be a false alarm
   */
  inlinedEnv?: readonly string[];
  /** no longer read (no variation reorders the entrypoints); kept so callers still compile */
  multipleEntrypoints?: boolean;
  /** `true`, or why the variation cannot run here */
  available: ReadonlyMap<VariationName, string | true>;
  tools: VariationTools;
  /** this build's output folder: under the `user` variation, what is in it is handed to that user */
  outDir: string;
}

export const CHECK_HOSTNAME = "bunseal-check-host";
export const CHECK_UID = 65534;

/**
 * The tools the wrappers run, as absolute paths found on bunseal's PATH by the
 * probe: the build then runs the very tool that was probed, not whatever the
 * build's fixed PATH would find.
 */
export interface VariationTools {
  faketime?: string;
  unshare?: string;
  setpriv?: string;
  sh?: string;
}

/** The command-line wrappers, in the order they must nest: time, then namespaces, then umask, then the user switch. */
function wrapperFor(name: VariationName, tools: VariationTools, outDir: string): string[] {
  const tool = (key: keyof VariationTools) => tools[key] ?? key;
  switch (name) {
    case "clock":
      return [tool("faketime"), "-f", "+397d"];
    case "hostname":
      return [tool("unshare"), "--uts", "--", tool("sh"), "-c", 'hostname "$0" && exec "$@"', CHECK_HOSTNAME];
    case "umask":
      return [tool("sh"), "-c", 'umask 077 && exec "$@"', "sh"];
    case "user":
      // The build writes only into a file bunseal makes before the sandbox starts (as
      // root, so not writable by the other uid): still as root, hand the check's own
      // output folder over to that uid, then switch.
      return [tool("sh"), "-c", 'chown -R "$0" "$1" && shift && exec "$@"', `${CHECK_UID}:${CHECK_UID}`, outDir, tool("setpriv"), `--reuid=${CHECK_UID}`, `--regid=${CHECK_UID}`, "--clear-groups", "--"];
    default:
      return [];
  }
}

export function planVariations(names: readonly VariationName[], ctx: VariationContext): VariationPlan {
  const chosen = new Set(names.filter((n) => ctx.available.get(n) === true));
  const plan: VariationPlan = { longerPath: false, reverseCreation: false, projectFilesystem: false, laterMtimes: false, reinstall: false, hostEnvNoise: {}, build: {}, notes: [] };
  const env: Record<string, string> = {};
  const wrapper: string[] = [];
  for (const name of VARIATION_NAMES) {
    if (!chosen.has(name)) continue;
    switch (name) {
      case "build-path":
        plan.longerPath = true;
        plan.notes.push("build-path: the project at a path of another length");
        break;
      case "file-order":
        plan.reverseCreation = true;
        plan.notes.push("file-order: the project's files created in reverse order");
        break;
      case "filesystem":
        plan.projectFilesystem = true;
        plan.notes.push("filesystem: the project's files on its own file system (as the real build sees them), at the copy's path");
        break;
      case "timezone":
        env.TZ = "Pacific/Chatham";
        plan.notes.push("timezone: TZ=Pacific/Chatham (bunseal build pins TZ=UTC)");
        break;
      case "locale":
        env.LC_ALL = "de_DE.UTF-8";
        env.LANG = "de_DE.UTF-8";
        plan.notes.push("locale: LC_ALL=de_DE.UTF-8 (bunseal build pins LC_ALL=C)");
        break;
      case "env": {
        const inlined = new Set(ctx.inlinedEnv ?? []);
        const varied = [...ctx.allowedEnv.keys()].filter((key) => !inlined.has(key));
        for (const key of varied) env[key] = `${ctx.allowedEnv.get(key)}-bunseal-check`;
        Object.assign(plan.hostEnvNoise, { BUNSEAL_CHECK_NOISE: "noise", HOME: "/nonexistent/bunseal-check-home", USER: "bunseal-check" });
        const kept = [...ctx.allowedEnv.keys()].filter((key) => inlined.has(key));
        plan.notes.push(
          `env: other values for ${varied.join(", ") || "no allowed variables"}, and noise in bunseal's own environment` +
            (kept.length > 0 ? `; ${kept.join(", ")} kept, since build.env inlines ${kept.length === 1 ? "it" : "them"} into the output by design` : ""),
        );
        break;
      }
      case "mtime":
        plan.laterMtimes = true;
        plan.notes.push(`mtime: the project's files modified ${MTIME_SHIFT_DAYS} days later, their contents and the installed packages kept`);
        break;
      case "install":
        plan.reinstall = true;
        plan.notes.push("install: the packages installed again from the lockfile, sandboxed: bun install --frozen-lockfile, running only the install scripts the baseline recorded");
        break;
      case "clock":
        plan.notes.push("clock: the build's clock 397 days ahead (SOURCE_DATE_EPOCH kept)");
        break;
      case "hostname":
        plan.notes.push(`hostname: ${CHECK_HOSTNAME}, in a UTS namespace`);
        break;
      case "umask":
        plan.notes.push("umask: 077");
        break;
      case "user":
        plan.notes.push(`user: uid ${CHECK_UID}`);
        break;
    }
    wrapper.push(...wrapperFor(name, ctx.tools, ctx.outDir));
  }
  if (Object.keys(env).length > 0) plan.build.env = env;
  if (wrapper.length > 0) plan.build.wrapper = wrapper;
  return plan;
}
