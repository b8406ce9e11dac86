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

export type WorkerResult =
  | { kind: "built"; durationMs: number; metafile: MetafileSummary; logs: string[] }
  /** `io`: the bundle was made, but writing the tar failed (a full or read-only disk), which is the machine's problem, not the build's */
  | { kind: "failed"; durationMs: number; logs: string[]; io?: boolean };

/** Sent last, once the tar is written to the plan's tarPath: bunseal then ends the sandbox and reads the tar. */
export interface WorkerFinished {
  kind: "finished";
  metafileSha256: string;
}

export type WorkerMessage = WorkerResult | WorkerFinished;
