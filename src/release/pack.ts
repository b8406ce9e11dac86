/**
 * `prepack` (package.json): the package's CLI is an output of `bunseal build`
 * of bunseal itself, not of a bare Bun.build, so that bunseal's own release is
 * an artifact of a sandboxed, recorded, signed build that anyone can verify and
 * rebuild. bin/bunseal (bunseal from its sources) builds the commit checked out
 * here with the root's bunseal.json; the artifact's files are unpacked into
 * dist/ (git-ignored; `postpack` removes it), and its signed provenance is put
 * beside the CLI as dist/entry.js.sigstore.json, the bundle `bunseal verify
 * dist/entry.js` reads by default.
 *
 * Signing is required: BUNSEAL_RELEASE_KEY (a private key's path) or
 * BUNSEAL_RELEASE_KEYLESS=1 (Sigstore, with build --keyless's token sources).
 * Environment variables, as `npm pack` and `bun pm pack` pass no flags to a
 * script. A package packed with neither is refused (exit 2): an unsigned
 * release could not be told from a substituted one.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
export const DIST = join(ROOT, "dist");
export const CLI = "entry.js";

/** `bunseal build`'s signing flags for a release, from the environment. */
export function releaseSigning(env: Readonly<Record<string, string | undefined>>): { flags: string[] } | { problem: string } {
  const key = env.BUNSEAL_RELEASE_KEY;
  const keyless = env.BUNSEAL_RELEASE_KEYLESS === "1";
  if (key && keyless) return { problem: "expected one way to sign bunseal's release, got both BUNSEAL_RELEASE_KEY and BUNSEAL_RELEASE_KEYLESS=1" };
  if (key) return { flags: ["--key", key] };
  if (keyless) return { flags: ["--keyless"] };
  return { problem: "expected a way to sign bunseal's release, got none: set BUNSEAL_RELEASE_KEY=<private key file> (bunseal keygen makes one) or BUNSEAL_RELEASE_KEYLESS=1 (Sigstore; see `bunseal build --keyless`)" };
}

/** A pack that stops: one line on stderr, no stack trace, and no half-filled dist/ left to be packed. */
function refuse(message: string, status: number): number {
  process.stderr.write(`bunseal prepack: ${message}\n`);
  rmSync(DIST, { recursive: true, force: true });
  return status;
}

function pack(): number {
  const signing = releaseSigning(process.env);
  if ("problem" in signing) return refuse(signing.problem, 2);
  rmSync(DIST, { recursive: true, force: true });
  // bunseal from its sources, started as bin/bunseal starts (no project .env or bunfig), on this very commit
  const built = spawnSync(process.execPath, ["--no-env-file", "--config=/dev/null", join(ROOT, "bin", "bunseal"), "build", ROOT, ...signing.flags, "--quiet", "--json"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
  });
  if (built.status !== 0) return refuse(`bunseal build of bunseal exited ${built.status ?? built.signal}; nothing is packed`, built.status ?? 3);
  const result = JSON.parse(built.stdout) as { artifact: { path: string }; bundle: { path: string } | null };
  if (!result.bundle) return refuse(`bunseal build of bunseal signed nothing (no bundle in its --json); nothing is packed`, 3);
  mkdirSync(DIST);
  const untar = spawnSync("tar", ["-xf", result.artifact.path, "-C", DIST, "--no-same-owner"], { stdio: ["ignore", "inherit", "inherit"] });
  if (untar.status !== 0) return refuse(`tar could not unpack ${result.artifact.path} into ${DIST} (exit ${untar.status ?? untar.signal}); nothing is packed`, 3);
  copyFileSync(result.bundle.path, join(DIST, `${CLI}.sigstore.json`));
  return 0;
}

if (import.meta.main) process.exitCode = process.argv[2] === "clean" ? (rmSync(DIST, { recursive: true, force: true }), 0) : pack();
