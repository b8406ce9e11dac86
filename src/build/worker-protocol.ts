/**
 * What the build worker sends back to bunseal over IPC. Only what bunseal
 * needs crosses the process boundary: the metafile of a large project is
 * megabytes, and the outputs tens of megabytes, so the worker packs the
 * outputs into a file itself. Every message is a claim, never evidence: the
 * project's macros run in the worker and can send these too (issue #18).
 */
export interface MetafileSummary {
  /** every key of the metafile's `inputs`, as Bun wrote them (relative to the project, or `namespace:path`) */
  inputs: string[];
  /** imports Bun left external with a relative path: macro modules, which Bun ran at build time but did not bundle */
  relativeExternals: { importer: string; path: string }[];
  /** the entrypoints built, patterns expanded (sorted) inside the sandbox; a named build's as `<name>:<path>` */
  entrypoints?: string[];
  /** the files of the config's plugins the worker loaded, relative to the project: recorded as inputs with role "plugin" */
  plugins?: string[];
}

/** A file of the artifact, as bunseal measured it in the tar the worker wrote (src/build/measure-tar.ts). */
export interface PackagedFile {
  /** POSIX path inside the artifact */
  path: string;
  sha256: string;
  size: number;
  executable: boolean;
  /** where the file's bytes start inside the tar, so a finding in the tar can name the file and its offset */
  offset: number;
}

/** A `prebuild` command that did not succeed: which one, how it ended, and the end of what it printed. */
export interface PrebuildFailure {
  /** its index in the config's `prebuild` */
  index: number;
  command: string;
  /** its exit status, or null when a signal ended it */
  status: number | null;
  signal?: string;
  /** the last lines of what it printed: its stdout's, then its stderr's */
  output: string;
}

export type WorkerResult =
  | { kind: "built"; durationMs: number; metafile: MetafileSummary; logs: string[] }
  /**
   * `io`: the bundle was made, but writing the tar failed (a full or read-only disk), which is the machine's problem, not the build's.
   * `prebuild`: a prebuild command failed, and no bundle was attempted.
   */
  | { kind: "failed"; durationMs: number; logs: string[]; io?: boolean; prebuild?: PrebuildFailure };

/** Sent last, once the tar is written to the plan's tarPath: bunseal then ends the sandbox and reads the tar. */
export interface WorkerFinished {
  kind: "finished";
  metafileSha256: string;
}

export type WorkerMessage = WorkerResult | WorkerFinished;

const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === "string");
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * What is wrong with a message from the worker's channel, or undefined when it
 * has the shape of one of bunseal's. Anything in the worker's process can write
 * there (a macro can), so the shape is checked before a field is used.
 */
export function workerMessageProblem(value: unknown): string | undefined {
  if (!isObject(value)) return `${value === null ? "null" : typeof value}, not an object`;
  switch (value.kind) {
    case "built": {
      const metafile = value.metafile;
      if (typeof value.durationMs !== "number" || !isStrings(value.logs) || !isObject(metafile)) return "a built message without its durationMs, logs or metafile";
      if (!isStrings(metafile.inputs) || !Array.isArray(metafile.relativeExternals) || !metafile.relativeExternals.every((e) => isObject(e) && typeof e.importer === "string" && typeof e.path === "string")) return "a metafile summary without its inputs or relativeExternals";
      if ((metafile.entrypoints !== undefined && !isStrings(metafile.entrypoints)) || (metafile.plugins !== undefined && !isStrings(metafile.plugins))) return "a metafile summary whose entrypoints or plugins are not lists of strings";
      return undefined;
    }
    case "failed": {
      if (typeof value.durationMs !== "number" || !isStrings(value.logs)) return "a failed message without its durationMs or logs";
      const prebuild = value.prebuild;
      if (prebuild === undefined) return undefined;
      const valid = isObject(prebuild) && Number.isInteger(prebuild.index) && typeof prebuild.command === "string" && (prebuild.status === null || Number.isInteger(prebuild.status)) && (prebuild.signal === undefined || typeof prebuild.signal === "string") && typeof prebuild.output === "string";
      return valid ? undefined : "a failed message whose prebuild is not {index, command, status, output}";
    }
    case "finished":
      return typeof value.metafileSha256 === "string" && /^[0-9a-f]{64}$/.test(value.metafileSha256) ? undefined : "a finished message without a sha256 metafileSha256";
    default:
      return `a message of kind ${JSON.stringify(value.kind)}`;
  }
}
