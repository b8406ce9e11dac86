/**
 * Hashing inputs while the bundler runs. The build tells us which files it
 * read only when it is done; hashing ten thousand of them afterwards would add
 * a tenth to a half-second build. So while the bundler works, the project's
 * tracked source files are hashed in the background, and the inputs stage
 * picks the ones the build actually read (it hashes any others, such as files
 * under node_modules, itself). Each file is still read once by bunseal.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { exec } from "../util/exec.ts";
import { sha256Hex } from "../util/digest.ts";

export type KnownDigests = Map<string, { sha256: string; size: number }>;

// What Bun's bundler loads as modules or assets; anything else tracked (images aside) is unlikely to be read.
const LIKELY_INPUT = /\.(?:[cm]?[jt]sx?|json|jsonc|toml|txt|css|html|wasm|node|svg|yaml|yml)$/;
const MAX_PREHASH_BYTES = 4 * 1024 * 1024;
const FILES_PER_SLICE = 256;

export interface Prehash {
  /** resolves to what was hashed so far; calling it stops further work */
  finish(): Promise<KnownDigests>;
}

export function startPrehash(projectDir: string): Prehash {
  const known: KnownDigests = new Map();
  let stopped = false;
  const work = (async () => {
    const listed = await exec(["git", "ls-files", "-z", "--cached"], { cwd: projectDir, failCode: "GIT_FAILED" });
    if (listed.exitCode !== 0) return;
    const paths = listed.stdout.split("\0").filter((p) => p !== "" && LIKELY_INPUT.test(p));
    for (let i = 0; i < paths.length && !stopped; i++) {
      const path = paths[i]!;
      try {
        const data = readFileSync(join(projectDir, path));
        if (data.byteLength <= MAX_PREHASH_BYTES) known.set(path, { sha256: sha256Hex(data), size: data.byteLength });
      } catch {
        // deleted or unreadable: the inputs stage will say so if the build read it
      }
      // Yield now and then so the build's result is taken as soon as it arrives.
      if (i % FILES_PER_SLICE === FILES_PER_SLICE - 1) await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    async finish() {
      stopped = true;
      await work.catch(() => undefined);
      return known;
    },
  };
}
