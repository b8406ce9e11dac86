/**
 * The planted corpus (fixtures/nondeterminism) as data: for each source, how
 * its original build is provoked and what rebuild and check must answer. The
 * answers were measured with Bun 1.4.5 in bunseal's sandbox, not assumed:
 * the sandbox has its own PID namespace (the build is pid 2), its own UTS
 * namespace with a fixed host name, and runs as uid 65534 whoever starts it,
 * so pid, hostname and user are no sources there (fixtures/nondeterminism/
 * README.md gives each reason). Read by bench/diagnosis.ts and
 * test/rebuild/corpus.test.ts.
 */
import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { defaultContext } from "../../src/context.ts";
import { buildArtifact, type BuildOutcome } from "../../src/pipeline/build.ts";
import type { CauseKind } from "../../src/rebuild/cause.ts";
import type { Signer } from "../../src/sign/signer.ts";
import type { GitRepo } from "./git.ts";
import { plantedRepo, plantedRepoScrambled } from "./fixture-repo.ts";

export interface CorpusSource {
  name: string;
  /** the cause kinds rebuild must confirm, and only those; [] means it must reproduce */
  rebuild: CauseKind[];
  /** the same for check */
  check: CauseKind[];
  /** how the original build differs from a plain one */
  original?: Original;
  /** variables the original build and check see (allowed by the project's config) */
  env?: Record<string, string>;
  /** variables the rebuild sees instead */
  rebuildEnv?: Record<string, string>;
  /** the checkout: committed on tmpfs, folders listed in a scrambled order */
  scrambled?: boolean;
  /** the installed node_modules edited before the original build */
  drift?: { file: string; from: string; to: string };
  /** new in issue #21 */
  added?: boolean;
  /** how the original is provoked, in words, for the README and the bench */
  provoked: string;
}

type Original = { env?: Record<string, string>; wrapper?: string[] } | "as-nobody";

const faketime = Bun.which("faketime") ?? "faketime";
const UMASK_077 = ["sh", "-c", 'umask 077 && exec "$@"', "sh"];
// a UTS namespace needs root, or (for bunseal-ci) a user namespace of its own to be root in
const OTHER_HOST = [...(process.getuid?.() === 0 ? ["unshare", "--uts"] : ["unshare", "--user", "--map-root-user", "--uts"]), "--", "sh", "-c", 'hostname original-build-host && exec "$@"', "sh"];
const LONG_AGO = { wrapper: [faketime, "-f", "-400d"], env: { FAKETIME_DONT_FAKE_MONOTONIC: "1" } };

export const CORPUS: CorpusSource[] = [
  { name: "timestamp", rebuild: ["timestamp"], check: ["timestamp"], provoked: "any later build" },
  { name: "date-now", rebuild: ["timestamp"], check: ["timestamp"], provoked: "any later build" },
  { name: "date-only", rebuild: ["timestamp"], check: ["timestamp"], original: LONG_AGO, provoked: "the original built 400 days ago (faketime)" },
  { name: "random", rebuild: ["random"], check: ["random"], provoked: "any second build" },
  { name: "random-length", rebuild: ["random"], check: ["random"], provoked: "any second build" },
  { name: "uuid", rebuild: ["random"], check: ["random"], provoked: "any second build" },
  { name: "build-path", rebuild: ["build-path"], check: ["build-path"], provoked: "the rebuild's clone is at another path" },
  { name: "env-var", rebuild: ["env-var"], check: ["env-var"], env: { PUBLIC_BUILD_LABEL: "ci-run-1717" }, rebuildEnv: { PUBLIC_BUILD_LABEL: "ci-run-1718" }, provoked: "PUBLIC_BUILD_LABEL=ci-run-1717, rebuilt with ci-run-1718" },
  { name: "locale", rebuild: ["locale"], check: ["locale"], original: { env: { LC_ALL: "de_DE.UTF-8", LANG: "de_DE.UTF-8" } }, provoked: "the original built under de_DE.UTF-8" },
  { name: "timezone", rebuild: ["timezone"], check: ["timezone"], original: { env: { TZ: "Asia/Kolkata" } }, provoked: "the original built in Asia/Kolkata" },
  { name: "file-mode", rebuild: ["file-mode"], check: ["file-mode"], original: { wrapper: UMASK_077 }, provoked: "the original built under umask 077" },
  { name: "file-order", rebuild: ["file-order"], check: ["file-order"], scrambled: true, provoked: "the original's folders list in a scrambled order (tmpfs, creation order); the clone lists in git's" },
  { name: "dependency-drift", rebuild: ["dependency-drift"], check: ["dependency-drift"], drift: { file: "node_modules/ms/index.js", from: "var s = 1000;", to: "var s = 1001;" }, provoked: "the original built with an edited node_modules/ms/index.js" },
  { name: "hostname", rebuild: [], check: [], original: { wrapper: OTHER_HOST }, provoked: "the original built on a host named original-build-host" },
  { name: "user", rebuild: [], check: [], original: "as-nobody", provoked: "the original built as uid 65534" },
  { name: "map-order", rebuild: [], check: [], provoked: "repeated builds and every variation" },
  { name: "control", rebuild: [], check: [], provoked: "repeated builds and every variation" },
  // issue #21: sources never seen before it
  { name: "mtime", added: true, rebuild: ["mtime"], check: ["mtime"], provoked: "the rebuild's fresh clone gives src/data.txt a new mtime" },
  { name: "pid", added: true, rebuild: [], check: [], original: { wrapper: UMASK_077 }, provoked: "any later build (and a umask wrapper, one process more outside the sandbox)" },
  { name: "performance-now", added: true, rebuild: ["monotonic-clock"], check: ["monotonic-clock"], provoked: "any second build" },
  { name: "hrtime", added: true, rebuild: ["monotonic-clock"], check: ["monotonic-clock"], provoked: "any second build" },
  { name: "timezone-name", added: true, rebuild: ["timezone"], check: ["timezone"], original: { env: { TZ: "Asia/Kolkata" } }, provoked: "the original built in Asia/Kolkata" },
  { name: "umask", added: true, rebuild: ["file-mode"], check: ["file-mode"], original: { wrapper: UMASK_077 }, provoked: "the original built under umask 077" },
  { name: "postinstall", added: true, rebuild: ["dependency-drift"], check: ["dependency-drift"], provoked: "the rebuild's own install runs the postinstall again, later" },
  { name: "dirname", added: true, rebuild: ["build-path"], check: ["build-path"], provoked: "the rebuild's clone is at another path" },
  { name: "readdir-50", added: true, rebuild: ["file-order"], check: ["file-order"], scrambled: true, provoked: "the original's folders list in a scrambled order (tmpfs, creation order); the clone lists in git's" },
  { name: "year-only", added: true, rebuild: ["timestamp"], check: ["timestamp"], original: LONG_AGO, provoked: "the original built 400 days ago (faketime)" },
  { name: "host-random-one", added: true, rebuild: ["random"], check: ["random"], original: { wrapper: OTHER_HOST }, provoked: "any second build; the original on a host named original-build-host" },
  { name: "host-random-two", added: true, rebuild: ["random"], check: ["random"], original: { wrapper: OTHER_HOST }, provoked: "any second build; the original on a host named original-build-host" },
  { name: "control-epoch", added: true, rebuild: [], check: [], original: LONG_AGO, provoked: "the original built 400 days ago, and every variation" },
  { name: "control-listing", added: true, rebuild: [], check: [], scrambled: true, original: { wrapper: UMASK_077 }, provoked: "the original on tmpfs in a scrambled order under umask 077, and every variation" },
  { name: "tz-fails", added: true, rebuild: [], check: ["timezone"], provoked: "none for rebuild (it builds in UTC, as the original did); check's time zone variation" },
  { name: "split-app", added: true, rebuild: [], check: [], provoked: "repeated builds and every variation" },
];

export function corpusSource(name: string): CorpusSource {
  const source = CORPUS.find((s) => s.name === name);
  if (!source) throw new Error(`no source ${name} in the corpus; expected one of ${CORPUS.map((s) => s.name).join(", ")}`);
  return source;
}

/** The source's repository, as its original build must find it. */
export async function corpusRepo(source: CorpusSource): Promise<GitRepo> {
  const repo = source.scrambled ? await plantedRepoScrambled(source.name) : await plantedRepo(source.name);
  if (source.drift) {
    const file = join(repo.path, source.drift.file);
    const edited = (await Bun.file(file).text()).replace(source.drift.from, source.drift.to);
    if (!edited.includes(source.drift.to)) throw new Error(`${source.drift.file}: expected ${source.drift.from} to edit`);
    // Bun installs by hard-linking its global cache: a new file renamed over the link leaves the cache alone
    await writeFile(`${file}.new`, edited);
    await rename(`${file}.new`, file);
  }
  return repo;
}

/** The original build, provoked as the source says, signed by `signer`. */
export async function buildOriginal(source: CorpusSource, repo: GitRepo, signer: Signer): Promise<BuildOutcome> {
  let variation = source.original === "as-nobody" ? undefined : source.original;
  if (source.original === "as-nobody") {
    // built as nobody: its folder reachable, its out folder handed over, as check's user variation does
    const out = join(repo.path, ".bunseal", "out");
    await chmod(repo.path, 0o755);
    await mkdir(out, { recursive: true });
    variation = { wrapper: ["sh", "-c", 'chown -R "$0" "$1" && shift && exec "$@"', "65534:65534", out, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] };
  }
  return buildArtifact({ projectDir: repo.path, signer, variation }, defaultContext({ env: { ...process.env, ...source.env }, log: () => {} }));
}
