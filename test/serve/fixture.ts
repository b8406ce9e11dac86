/**
 * A real, signed artifact for the console's tests: the example service built
 * with a key generated here, one file from inside its tar, and helpers to put
 * it (verified, through the CLI) into a store and pin it.
 */
import { basename, join } from "node:path";
import { readTarFiles } from "../../src/artifact/tar-read.ts";
import { runCli } from "../helpers/cli.ts";
import { recordPassingMeasurement } from "../helpers/measurements.ts";
import { exampleServiceRepo } from "../helpers/example-service.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

/** Debian's chromium (`apt-get install chromium`), as .ci/run installs it */
export const CHROMIUM = process.env.BUNSEAL_TEST_CHROMIUM ?? "/usr/bin/chromium";

export interface BuiltArtifact {
  work: TestDir;
  /** sha256 hex of the tar */
  digest: string;
  bundle: string;
  key: string;
  pub: string;
  /** index.js from inside the tar, copied out as a responder would */
  innerFile: string;
  cleanup(): Promise<void>;
}

export async function buildArtifact(): Promise<BuiltArtifact> {
  const repo = await exampleServiceRepo();
  const work = await makeTempDir("bunseal-serve-");
  try {
    await runCli(["keygen", "--out", work.path]);
    const key = join(work.path, "bunseal.key");
    const built = await runCli(["build", repo.path, "--key", key, "--out", join(work.path, "out"), "--json"]);
    if (built.exitCode !== 0) throw new Error(`build failed: ${built.stderr}`);
    const { artifact, bundle } = built.json();
    const innerFile = join(work.path, "index.js");
    await Bun.write(innerFile, (await readTarFiles(artifact.path)).get("index.js")!);
    return { work, digest: artifact.digest.slice("sha256:".length), bundle: bundle.path, key, pub: join(work.path, "bunseal.pub"), innerFile, cleanup: async () => (await repo.cleanup(), await work.cleanup()) };
  } catch (error) {
    await repo.cleanup();
    await work.cleanup();
    throw error;
  }
}

/**
 * Imports the artifact into `store` (verified first, as every record is) and pins it in `env`, after recording
 * the measurement the pin rests on (`measure: false`: the caller has recorded its own).
 */
export async function importAndPin(built: BuiltArtifact, store: string, env = "prod", options: { measure?: boolean } = {}): Promise<void> {
  const imported = await runCli(["store", "import", built.bundle, "--key", built.pub, "--store", store]);
  if (imported.exitCode !== 0) throw new Error(`store import failed: ${imported.stderr}`);
  // the example service has `run`: its pins are held to its budgets, so it is measured first (as measure --store would)
  if (options.measure !== false) await measureForPin(built, store, env);
  const pinned = await runCli(["pin", `sha256:${built.digest}`, "--env", env, "--reason", "first release", "--key", built.key, "--pins-dir", join(built.work.path, "pins"), "--store", store]);
  if (pinned.exitCode !== 0) throw new Error(`pin failed: ${pinned.stderr}`);
}

/** A passing measurement of the artifact against what `env` runs now (plain when nothing, or itself): what its pin rests on. */
async function measureForPin(built: BuiltArtifact, store: string, env: string): Promise<void> {
  const current = (await runCli(["pins", "--env", env, "--service", "example-service", "--store", store, "--json"])).json()?.pins?.at(-1)?.digest as string | undefined;
  const against = current && current !== built.digest ? { name: "current", digest: current, env } : undefined;
  await recordPassingMeasurement(store, built.key, { name: basename(built.bundle).replace(/\.sigstore\.json$/, ""), digest: built.digest }, { service: "example-service", against, measuredAt: new Date().toISOString() });
}
