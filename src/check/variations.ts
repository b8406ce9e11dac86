/**
 * What `bunseal check` varies, one named variation at a time, in the spirit
 * of reprotest: each says how it changes the build (its environment, the
 * command the build runs through, or the copy of the project it runs in).
 * Some need a tool or root; those that cannot run here say why instead.
 */
import type { BuildVariation } from "../build/plan.ts";

export const VARIATION_NAMES = ["build-path", "file-order", "clock", "timezone", "locale", "umask", "env", "hostname", "user", "entrypoint-order"] as const;
export type VariationName = (typeof VARIATION_NAMES)[number];

/** How a build under some set of variations differs from the baseline. */
export interface VariationPlan {
  /** copy the project to a path of another length */
  longerPath: boolean;
  /** create the copy's files in reverse order (on tmpfs, directory listings follow creation order) */
  reverseCreation: boolean;
  /** extra variables in bunseal's own environment: the sanitiser must drop them */
  hostEnvNoise: Record<string, string>;
  build: BuildVariation;
  /** what each variation changes, in words, for the report */
  notes: string[];
}

export interface VariationContext {
  /** names of the variables the config lets the build see, and their baseline values */
  allowedEnv: ReadonlyMap<string, string>;
  multipleEntrypoints: boolean;
  /** the build's output folder must be writable by another user for the `user` variation */
  available: ReadonlyMap<VariationName, string | true>;
}

export const CHECK_HOSTNAME = "bunseal-check-host";
export const CHECK_UID = 65534;

/** The command-line wrappers, in the order they must nest: time, then namespaces, then umask, then the user switch. */
const WRAPPERS: Partial<Record<VariationName, string[]>> = {
  clock: ["faketime", "-f", "+397d"],
  hostname: ["unshare", "--uts", "--", "sh", "-c", 'hostname "$0" && exec "$@"', CHECK_HOSTNAME],
  umask: ["sh", "-c", 'umask 077 && exec "$@"', "sh"],
  user: ["setpriv", `--reuid=${CHECK_UID}`, `--regid=${CHECK_UID}`, "--clear-groups", "--"],
};

export function planVariations(names: readonly VariationName[], ctx: VariationContext): VariationPlan {
  const chosen = new Set(names.filter((n) => ctx.available.get(n) === true));
  const plan: VariationPlan = { longerPath: false, reverseCreation: false, hostEnvNoise: {}, build: {}, notes: [] };
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
      case "timezone":
        env.TZ = "Pacific/Chatham";
        plan.notes.push("timezone: TZ=Pacific/Chatham (bunseal build pins TZ=UTC)");
        break;
      case "locale":
        env.LC_ALL = "de_DE.UTF-8";
        env.LANG = "de_DE.UTF-8";
        plan.notes.push("locale: LC_ALL=de_DE.UTF-8 (bunseal build pins LC_ALL=C)");
        break;
      case "env":
        for (const [key, value] of ctx.allowedEnv) env[key] = `${value}-bunseal-check`;
        Object.assign(plan.hostEnvNoise, { BUNSEAL_CHECK_NOISE: "noise", HOME: "/nonexistent/bunseal-check-home", USER: "bunseal-check" });
        plan.notes.push(`env: other values for ${[...ctx.allowedEnv.keys()].join(", ") || "no allowed variables"}, and noise in bunseal's own environment`);
        break;
      case "entrypoint-order":
        plan.build.reverseEntrypoints = true;
        plan.notes.push("entrypoint-order: entrypoints in reverse order");
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
    wrapper.push(...(WRAPPERS[name] ?? []));
  }
  if (Object.keys(env).length > 0) plan.build.env = env;
  if (wrapper.length > 0) plan.build.wrapper = wrapper;
  return plan;
}

/** Which variations can run on this machine; for the others, why not. */
export async function probeVariations(hasMultipleEntrypoints: boolean): Promise<Map<VariationName, string | true>> {
  const available = new Map<VariationName, string | true>();
  const works = async (cmd: string[]) => {
    try {
      const proc = Bun.spawn(cmd, { stdout: "ignore", stderr: "ignore", stdin: "ignore" });
      return (await proc.exited) === 0;
    } catch {
      return false;
    }
  };
  const root = process.getuid?.() === 0;
  const [faketime, unshare, setpriv] = await Promise.all([works(["faketime", "-f", "+1d", "true"]), root ? works(["unshare", "--uts", "--", "true"]) : Promise.resolve(false), root ? works(["setpriv", `--reuid=${CHECK_UID}`, "--", "true"]) : Promise.resolve(false)]);
  for (const name of VARIATION_NAMES) available.set(name, true);
  if (!faketime) available.set("clock", "faketime is not installed (Debian package faketime)");
  if (!unshare) available.set("hostname", root ? "unshare --uts is not permitted here" : "needs root for a UTS namespace");
  if (!setpriv) available.set("user", root ? "setpriv cannot switch users here" : "needs root to build as another user");
  if (!hasMultipleEntrypoints) available.set("entrypoint-order", "the project has a single entrypoint");
  return available;
}
