/**
 * The worker's metafile summary is a claim (a macro can send one of its own),
 * and bunseal's own process reads and hashes every file it names, with none of
 * the sandbox's limits. So each path is checked before it is read: it must lie
 * in the folder the build could see, as a regular file once symbolic links are
 * followed. A claim naming anything else (the host's files, the signing key, a
 * device that never ends) is not read: the build fails, and nothing is signed.
 */
import { existsSync, readdirSync, realpathSync, statSync, type Dirent } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { BunsealError } from "../errors.ts";

/** `path` (absolute, normalized by join) is `dir` or below it: a string test, since path.relative costs more than the lstat beside it. */
const isInside = (dir: string, path: string) => path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
import type { MetafileSummary } from "./worker-protocol.ts";

export function checkMetafileClaim(claim: MetafileSummary, projectDir: string, folder: string): MetafileSummary {
  const root = resolve(folder);
  const realRoot = realpathSync(root);
  const refuse = (name: string, found: string) =>
    new BunsealError("BUILD_FAILED", `the build worker's metafile names ${JSON.stringify(name)}, ${found}; expected only files of the folder the build could see (${root}), so nothing is read or signed`, { field: name, expected: `a file under ${root}`, found });
  // one realpath and one listing per folder (a 10,000-module project has a few hundred), not a stat per file
  const folders = new Map<string, { real: string; entries: Map<string, Dirent> } | null>();
  const folderOf = (dir: string) => {
    let folder = folders.get(dir);
    if (folder === undefined) {
      try {
        folder = { real: realpathSync(dir), entries: new Map(readdirSync(dir, { withFileTypes: true }).map((e) => [e.name, e])) };
      } catch {
        folder = null;
      }
      folders.set(dir, folder);
    }
    return folder;
  };
  const check = (name: string, path: string) => {
    if (!isInside(root, path)) throw refuse(name, "outside the folder the build could see");
    const folder = folderOf(dirname(path));
    const entry = folder?.entries.get(basename(path));
    // a name that is not there fails later as an input that cannot be read
    if (!folder || !entry) return;
    const link = entry.isSymbolicLink();
    if (!isInside(realRoot, link ? realpathSync(path) : join(folder.real, entry.name))) throw refuse(name, "a link to outside the folder the build could see");
    if (!(link ? statSync(path).isFile() : entry.isFile())) throw refuse(name, "not a regular file");
  };
  for (const key of claim.inputs) {
    // a virtual module (`namespace:path`) is named, not read (src/inputs/collect.ts)
    if (key.includes(":") && !existsSync(join(projectDir, key))) continue;
    check(key, join(projectDir, key));
  }
  for (const path of claim.plugins ?? []) check(path, join(projectDir, path));
  for (const { importer, path } of claim.relativeExternals) {
    check(importer, join(projectDir, importer));
    // the module itself is found by extension later; its folder must be the build's already
    if (!isInside(root, join(projectDir, dirname(importer), path))) throw refuse(`${importer} → ${path}`, "outside the folder the build could see");
  }
  return claim;
}
