/**
 * What a cause is, and the facts of a build that causes are found in: the
 * vocabulary shared by explain, its detectors (causes.ts) and check. `mtime`: the build
 * read a file's modification time; `monotonic-clock`: performance.now() or
 * process.hrtime(), which a stopped wall clock does not stop.
 */
export type CauseKind = "timestamp" | "mtime" | "monotonic-clock" | "build-path" | "env-var" | "hostname" | "user" | "locale" | "timezone" | "file-order" | "file-mode" | "random" | "bun-version" | "dependency-drift" | "input-drift" | "unknown";
export interface Cause {
  kind: CauseKind;
  file: string | null;
  evidence: string;
  /** whether an experiment showed it (a rebuild's causes); absent where no experiment could be run (check's) */
  confirmed?: boolean;
  /** the experiment behind a confirmed cause, in one sentence */
  experiment?: string;
}

/** One side of the comparison, from its statement and (for the rebuild) the machine it ran on. */
export interface BuildFacts {
  bunVersion: string;
  lockfileDigest: string | null;
  /** input path → sha256 hex */
  inputs: ReadonlyMap<string, string>;
  /** package name@version → integrity digest */
  packages: ReadonlyMap<string, string>;
  configDigest?: string;
  sourceDateEpoch?: number;
  buildPath?: string;
  hostname?: string;
  user?: string;
  home?: string;
  timezone?: string;
  locale?: string;
  /** values of variables the build could see (rebuild side only) */
  env?: ReadonlyMap<string, string>;
  /** names recorded as visible */
  envNames?: readonly string[];
  /** `name@version` of the packages whose install scripts the build let run, as recorded */
  scriptsRun?: readonly string[];
  /** package name → its install scripts as the checkout's installed package.json says (`postinstall: "node x.js"`) */
  installScripts?: ReadonlyMap<string, string>;
  startedAt?: Date;
}

