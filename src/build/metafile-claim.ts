/**
 * The worker's metafile summary is a claim (a macro can send one of its own),
 * and bunseal's own process reads and hashes every file it names, with none of
 * the sandbox's limits. So each path is checked before it is read: it must lie
 * in the folder the build could see, as a regular file once symbolic links are
 * followed. A claim naming anything else (the host's files, the signing key, a
 * device that never ends) is not read: the build fails, and nothing is signed.
 */
import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { BunsealError } from "../errors.ts";
import { isInside } from "../sandbox/hidden-paths.ts";
import type { MetafileSummary } from "./worker-protocol.ts";

export function checkMetafileClaim(claim: MetafileSummary, projectDir: string, root: string): MetafileSummary {
  const realRoot = realpathSync(root);
  const refuse = (name: string, found: string) =>
    new BunsealError("BUILD_FAILED", `the build worker's metafile names ${JSON.stringify(name)}, ${found}; expected only files of the folder the build could see (${root}), so nothing is read or signed`, { field: name, expected: `a file under ${root}`, found });
  const check = (name: string, path: string) => {
    if (!isInside(root, path)) throw refuse(name, "outside the folder the build could see");
    // a name that is not there fails later as an input that cannot be read
    if (!existsSync(path)) return;
    if (!isInside(realRoot, realpathSync(path))) throw refuse(name, "a link to outside the folder the build could see");
    if (!statSync(path).isFile()) throw refuse(name, "not a regular file");
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
