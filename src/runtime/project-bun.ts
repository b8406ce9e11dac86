/**
 * The Bun a project says it builds with. A project that pins Bun means its
 * bytes: another Bun's bundler and runtime make other bytes (a compiled
 * executable of 116 MB instead of the project's 101 MB). Three ways a
 * project pins, read from its package.json and, for a workspace member, its
 * workspace root's, nearest first:
 *   - `packageManager: "bun@1.3.9"` (corepack's field; a `+sha…` suffix is corepack's integrity, not the version);
 *   - `engines.bun` naming one exact version (`"1.3.9"`, `"=1.3.9"`); a range pins nothing;
 *   - a `bun` package among its dependencies, as the lockfile resolved it, when a script runs `bun`
 *     (node_modules/.bin/bun is then what `bun run build` runs);
 *   - the same without declaring it: a `bun` package another one installed at the top of
 *     node_modules, which the scripts' `bun` runs all the same (an implicit pin: followed when
 *     bunseal can build with that Bun, else a warning).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { BunsealError } from "../errors.ts";
import type { LockedPackage } from "../inputs/lockfile.ts";
import { currentBun, probeBun, resolveBun, type BunRuntime, type ResolveBunOptions } from "./bun-runtime.ts";
import { checkVersionName } from "./version-name.ts";

export interface BunPin {
  version: string;
  /** where the pin is written, as a person would look for it: `package.json packageManager` */
  from: string;
  /** a Bun no one chose but the scripts run (another package's dependency): followed where bunseal can build with it, else warned of */
  implicit?: boolean;
}

const VERSION_SHAPE = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

const EXACT = /^=?v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/;

/**
 * The pin of the project at `projectDir`, looked for up to `repoRoot`; the
 * lockfile's packages (the workspace's) resolve a `bun` dependency.
 */
export function projectBunPin(projectDir: string, repoRoot: string | undefined, lockedPackages: readonly LockedPackage[] = []): BunPin | undefined {
  for (const dir of manifestDirs(projectDir, repoRoot)) {
    const path = join(dir, "package.json");
    if (!existsSync(path)) continue;
    let manifest: Record<string, unknown>;
    try {
      manifest = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    } catch {
      continue; // the config stage reads package.json too, and says what is wrong with it
    }
    const shown = relative(projectDir, path).split(sep).join("/");
    const pin = pinOf(manifest, shown, lockedPackages);
    if (pin) return pin;
  }
  return undefined;
}

function pinOf(manifest: Record<string, unknown>, file: string, lockedPackages: readonly LockedPackage[]): BunPin | undefined {
  const manager = manifest.packageManager;
  if (typeof manager === "string" && manager.startsWith("bun@")) {
    return { version: checkedPin(manager.slice(4).split("+")[0]!, `${file} packageManager`), from: `${file} packageManager` };
  }
  const engines = manifest.engines;
  const engine = engines && typeof engines === "object" ? (engines as Record<string, unknown>).bun : undefined;
  if (typeof engine === "string") {
    const exact = EXACT.exec(engine.trim());
    if (exact) return { version: checkedPin(exact[1]!, `${file} engines.bun`), from: `${file} engines.bun` };
  }
  const declared = ["dependencies", "devDependencies", "optionalDependencies"].some((field) => {
    const deps = manifest[field];
    return deps && typeof deps === "object" && Object.hasOwn(deps, "bun");
  });
  if (declared && runsBun(manifest.scripts)) {
    const locked = lockedPackages.find((p) => p.name === "bun" && p.source === "npm");
    if (locked) return { version: checkedPin(locked.version, `${file} dependency "bun"`), from: `${file} dependency "bun" (bun.lock)` };
  }
  // not declared, but installed at the top of node_modules by another package (bun-plugin-tailwind's peer):
  // node_modules/.bin/bun is then what the scripts' `bun` runs, as `bun run` puts that folder first on PATH
  const hoisted = lockedPackages.find((p) => p.key === "bun" && p.name === "bun" && p.source === "npm");
  if (hoisted && runsBun(manifest.scripts)) {
    const version = VERSION_SHAPE.test(hoisted.version) ? hoisted.version : undefined;
    if (version) return { version, from: `node_modules/.bin/bun (bun.lock "bun", installed for another package), which ${file}'s scripts run`, implicit: true };
  }
  return undefined;
}

/** Whether any script starts `bun` as a command (`bun run build`, `… && bun build.ts`). */
function runsBun(scripts: unknown): boolean {
  if (!scripts || typeof scripts !== "object") return false;
  return Object.values(scripts).some((script) => typeof script === "string" && /(?:^|[;&|(]\s*|\s)bunx?(?:\s|$)/.test(script));
}

function checkedPin(version: string, field: string): string {
  try {
    return checkVersionName(version);
  } catch {
    throw new BunsealError("CONFIG_INVALID", `${field}: expected an exact Bun version like 1.3.9, got ${JSON.stringify(version.slice(0, 80))}`, { field, expected: "an exact Bun version", found: version.slice(0, 80) });
  }
}

/** The project folder, then each folder above it up to the repository root (a workspace root's package.json). */
function manifestDirs(projectDir: string, repoRoot: string | undefined): string[] {
  const dirs = [resolve(projectDir)];
  const top = repoRoot ? resolve(repoRoot) : undefined;
  if (top === undefined || relative(top, dirs[0]!).startsWith("..")) return dirs;
  let dir = dirs[0]!;
  while (dir !== top) {
    dir = dirname(dir);
    dirs.push(dir);
  }
  return dirs;
}

export interface ChosenBun {
  bun: BunRuntime;
  /** the project's pin, recorded beside the Bun that built */
  pin?: BunPin;
  /** said on stderr, and kept in the outcome's warnings: a Bun other than the running one, or than the pin */
  warning?: string;
}

/**
 * The Bun `build` builds with: the one `--bun` names (a pin it differs from
 * is warned of), else the project's pin (fetched and checked as rebuild does
 * when it is not the running Bun), else the running Bun.
 */
export async function chooseBuildBun(pin: BunPin | undefined, explicit: BunRuntime | undefined, options: ResolveBunOptions = {}): Promise<ChosenBun> {
  if (explicit) {
    checkSupported(explicit.version, "--bun");
    const warning = pin && pin.version !== explicit.version ? `the project pins Bun ${pin.version} (${pin.from}); building with Bun ${explicit.version}, as --bun says` : undefined;
    return { bun: explicit, pin, warning };
  }
  const running = currentBun();
  if (!pin || pin.version === running.version) return { bun: running, pin };
  if (pin.implicit && Bun.semver.order(pin.version, OLDEST_BUILD_BUN) < 0) {
    return { bun: running, pin, warning: `the project's scripts run Bun ${pin.version} (${pin.from}), older than ${OLDEST_BUILD_BUN}, the oldest Bun bunseal builds with: building with Bun ${running.version}, whose output may differ from the scripts'; pin a Bun (packageManager) or pass --bun to choose` };
  }
  checkSupported(pin.version, pin.from);
  const bun = await resolveBun(pin.version, options);
  return { bun, pin, warning: `this is Bun ${running.version}; the project pins Bun ${pin.version} (${pin.from}), so the build uses Bun ${pin.version} (${bun.path}); pass --bun to choose another` };
}

/** `build --bun`: a path to a Bun binary (it has a `/`), or a version, fetched and checked from the npm registry as rebuild's are. */
export async function bunFromFlag(value: string, options: ResolveBunOptions = {}): Promise<BunRuntime> {
  if (value.includes("/")) return probeBun(value);
  const version = (() => {
    try {
      return checkVersionName(value);
    } catch {
      throw new BunsealError("USAGE", `--bun ${JSON.stringify(value.slice(0, 80))}: expected a path to a Bun binary or a version like 1.3.9`, { field: "--bun", expected: "a path or a version like 1.3.9", found: value.slice(0, 80) });
    }
  })();
  // refused before anything is fetched
  checkSupported(version, "--bun");
  return resolveBun(version, options);
}

/**
 * The oldest Bun bunseal's build worker runs on: Bun.build reports the
 * metafile (every input, checked and hashed by bunseal) from 1.3.6 on, and
 * 1.3.5 builds nothing the worker can use. Measured, Bun 1.3.0 to 1.3.9.
 */
export const OLDEST_BUILD_BUN = "1.3.6";

function checkSupported(version: string, from: string): void {
  if (Bun.semver.order(version, OLDEST_BUILD_BUN) >= 0) return;
  throw new BunsealError(
    "BUN_UNSUPPORTED",
    `${from}: Bun ${version} is older than ${OLDEST_BUILD_BUN}, the oldest Bun bunseal builds with (the first whose Bun.build reports the metafile every input is checked against); ${from === "--bun" ? `expected --bun ${OLDEST_BUILD_BUN} or later` : `expected a pin of ${OLDEST_BUILD_BUN} or later, or --bun PATH|VERSION to build with another Bun (the record names both the pin and the Bun that built)`}`,
    { field: from, expected: `Bun ${OLDEST_BUILD_BUN} or later`, found: version },
  );
}
