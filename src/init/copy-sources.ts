/**
 * A file the script wrote without naming its source (`Bun.write(to, await
 * Bun.file(from).text())`, a copy through a buffer): when its bytes are those
 * of a file of the commit, it is that file's copy. Only committed files are
 * candidates (`git ls-files`), compared byte for byte; among several with the
 * same bytes, one of the same name, else the first by path: the artifact is the same either way.
 */
import { readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { gitOutput } from "../source/git-runner.ts";
import type { ObservedEvent } from "./observed.ts";

export async function findCopySources(projectDir: string, events: readonly ObservedEvent[], written: ReadonlyMap<string, string>, host: Readonly<Record<string, string | undefined>>): Promise<ObservedEvent[]> {
  const unnamed = events.filter((e) => e.kind === "write" && e.from === undefined && written.has(e.to));
  if (unnamed.length === 0) return [...events];
  const tracked = (await gitOutput(projectDir, ["ls-files", "-z"], { host }).catch(() => "")).split("\0").filter(Boolean).sort();
  const bySize = new Map<number, string[]>();
  for (const path of tracked) {
    const size = statSync(join(projectDir, path), { throwIfNoEntry: false })?.size;
    if (size !== undefined) bySize.set(size, [...(bySize.get(size) ?? []), path]);
  }
  return events.map((event) => {
    if (event.kind !== "write" || event.from !== undefined || !written.has(event.to)) return event;
    const bytes = readFileSync(written.get(event.to)!);
    const same = (bySize.get(bytes.byteLength) ?? []).filter((path) => Buffer.compare(readFileSync(join(projectDir, path)), bytes) === 0);
    const from = same.find((path) => basename(path) === basename(event.to)) ?? same[0];
    return from === undefined ? event : { ...event, from };
  });
}
