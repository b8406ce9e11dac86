/**
 * What the build worker sends back to bunseal over IPC. Only what bunseal
 * needs crosses the process boundary: the metafile of a large project is
 * megabytes, and the outputs tens of megabytes, so the worker packs the
 * outputs itself and reports digests, not bytes.
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

export interface PackagedFile {
  /** POSIX path inside the artifact */
  path: string;
  sha256: string;
  size: number;
  executable: boolean;
  /** where the file's bytes start inside the tar, so a finding in the tar can name the file and its offset */
  offset: number;
}

export interface PackageSummary {
  files: PackagedFile[];
  /** bytes of the tar, written (not yet synced) to the plan's tarPath */
  tarSize: number;
}

export type WorkerResult =
  | { kind: "built"; durationMs: number; metafile: MetafileSummary; logs: string[] }
  /** `io`: the bundle was made, but writing the tar failed (a full or read-only disk), which is the machine's problem, not the build's */
  | { kind: "failed"; durationMs: number; logs: string[]; io?: boolean };

/** Sent once the outputs are packed into the plan's tarPath (written, not yet synced). */
export interface WorkerPacked {
  kind: "packed";
  package: PackageSummary;
}

/** Sent last, once the tar is hashed and synced to disk and the metafile is hashed. */
export interface WorkerFinished {
  kind: "finished";
  tarSha256: string;
  metafileSha256: string;
}

export type WorkerMessage = WorkerResult | WorkerPacked | WorkerFinished;
