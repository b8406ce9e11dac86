/** What the build worker sends back to bunseal over IPC. */
export type WorkerResult =
  | { ok: true; durationMs: number; metafile: unknown; logs: string[] }
  | { ok: false; durationMs: number; logs: string[] };
