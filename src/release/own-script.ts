/**
 * Where the scripts bunseal starts in processes of their own are (the build
 * worker, the prober, init's preload), and which folder holds bunseal's code.
 * From a clone, a script is its source beside the module that starts it. From
 * the package, bunseal runs as the files its prepack built (src/release/pack.ts):
 * each such script is an entrypoint of the same build, flat in dist/ and named
 * after its source (worker.ts → worker.js), and every module bundled into one
 * of them sees that file as its own `import.meta`: a `new URL("./worker.ts",
 * import.meta.url)` there names dist/worker.ts, which does not exist.
 */
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** This module runs bundled when it is not its own source (Bun runs src/ as .ts, the bundles are .js). */
export const BUNDLED = !import.meta.path.endsWith(".ts");

/** The script whose source is `source` (a `new URL("./x.ts", import.meta.url)` of the module that starts it). */
export function ownScript(source: URL): string {
  const path = fileURLToPath(source);
  return BUNDLED ? join(import.meta.dir, basename(path).replace(/\.ts$/, ".js")) : path;
}

/** The folder bunseal was installed or cloned as (the one holding package.json). */
export const OWN_ROOT = BUNDLED ? dirname(import.meta.dir) : join(import.meta.dir, "..", "..");

/** The folder of the bundles (dist/) when bunseal runs bundled. */
export const BUNDLE_DIR = BUNDLED ? import.meta.dir : undefined;
