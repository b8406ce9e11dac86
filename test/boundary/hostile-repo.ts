/**
 * Small hostile projects for the boundary tests: a real git repository per
 * attack, with bunseal's folder ignored the way `bunseal init` would leave it,
 * and the helpers that read back what a build signed.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readTarFiles } from "../../src/artifact/tar-read.ts";
import { afterAll, beforeAll } from "bun:test";
import { runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type FileTree, type TestDir } from "../helpers/testdir.ts";

export interface HostileOptions {
  config?: Record<string, unknown>;
  /** extra lines for .gitignore */
  ignore?: string[];
}

export async function hostileRepo(files: FileTree, options: HostileOptions = {}): Promise<GitRepo> {
  return gitRepo({
    ".gitignore": [".bunseal/", "node_modules/", ...(options.ignore ?? [])].join("\n") + "\n",
    "bunseal.json": JSON.stringify({ service: "hostile", entrypoints: ["src/index.ts"], ...options.config }, null, 2),
    "package.json": JSON.stringify({ name: "hostile", private: true }),
    ...files,
  });
}

/** The in-toto statement inside a Sigstore bundle file. */
export function statementOf(bundlePath: string): any {
  const bundle = JSON.parse(readFileSync(bundlePath, "utf8"));
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
}

/** Every output file of an artifact, as text, by path. */
export async function outputsOf(tarPath: string): Promise<Map<string, string>> {
  const files = await readTarFiles(tarPath);
  return new Map([...files].map(([path, data]) => [path, new TextDecoder().decode(data)]));
}

/** What a failed build left in its out folder (nothing, it must be). */
export function leftIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export const outDir = (repo: GitRepo) => join(repo.path, ".bunseal", "out");

/**
 * What every boundary test file starts with: a real key pair (`bunseal keygen`)
 * and a scratch folder, made once before its tests and removed after them.
 */
export function boundarySetup(scratchPrefix: string) {
  let keys: TestDir | undefined;
  let scratch: TestDir | undefined;
  beforeAll(async () => {
    [keys, scratch] = await Promise.all([makeTempDir("bunseal-keys-"), makeTempDir(scratchPrefix)]);
    const made = await runCli(["keygen", "--out", keys.path]);
    if (made.exitCode !== 0) throw new Error(`bunseal keygen failed: ${made.stderr}`);
  });
  afterAll(async () => {
    await Promise.all([keys?.cleanup(), scratch?.cleanup()]);
  });
  return {
    key: () => join(keys!.path, "bunseal.key"),
    pub: () => join(keys!.path, "bunseal.pub"),
    keysDir: () => keys!.path,
    scratch: () => scratch!.path,
  };
}
