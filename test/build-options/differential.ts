/**
 * One project built twice: by bunseal (the library, in its sandbox) and by the
 * `bun build` CLI with the equivalent flags into a temporary --outdir. The
 * same names, bytes and modes are expected. The one documented difference:
 * sourcemap `sources` are relative to the output folder for the CLI and to the
 * project for bunseal (its outputs stay in memory), so only those are normalised.
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { listTar, readTarFiles } from "../../src/artifact/tar-read.ts";
import { defaultContext } from "../../src/context.ts";
import { buildArtifact } from "../../src/pipeline/build.ts";
import { gitRepo } from "../helpers/git.ts";
import type { FileTree } from "../helpers/testdir.ts";

export interface Built {
  files: Map<string, Uint8Array>;
  modes: Map<string, number>;
}

export interface DifferentialResult {
  bunseal: Built;
  cli: Built;
}

export interface DifferentialCase {
  files: FileTree;
  /** bunseal.json, `service` filled in */
  config: Record<string, unknown>;
  /** the `bun build` command after `bun build` (entrypoints and flags), without --outdir */
  cli?: string[];
  /** where the CLI has no flag (plugins): a script calling Bun.build with `outdir: process.env.OUTDIR` */
  script?: string;
  /** the environment both builds see on top of the fixed one */
  env?: Record<string, string>;
}

const FIXED_ENV = { PATH: "/usr/local/bin:/usr/bin:/bin", TZ: "UTC", LC_ALL: "C", LANG: "C" };

export async function differential(c: DifferentialCase): Promise<DifferentialResult> {
  await using repo = await gitRepo({ ...c.files, "bunseal.json": JSON.stringify({ service: "diff", ...c.config }) });
  const outcome = await buildArtifact({ projectDir: repo.path, tracer: "untraced" }, defaultContext({ env: { ...FIXED_ENV, ...c.env } }));
  const entries = await listTar(outcome.artifact.path);
  const bunseal: Built = { files: await readTarFiles(outcome.artifact.path), modes: new Map(entries.map((e) => [e.path, e.mode])) };

  // inside the project, as a user's dist/ is: the sourcemaps' debugId hashes the output's place relative to the sources
  const out = { path: join(repo.path, "cli-out") };
  const commitTime = String(1_700_000_000);
  const cmd = c.script !== undefined ? [process.execPath, "-e", c.script] : [process.execPath, "build", ...(c.cli ?? []), ...(c.cli?.some((f) => f.startsWith("--outfile")) ? [] : ["--outdir", out.path])];
  const proc = Bun.spawn(cmd, { cwd: repo.path, env: { ...FIXED_ENV, SOURCE_DATE_EPOCH: commitTime, OUTDIR: out.path, ...c.env }, stdout: "pipe", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}:\n${stderr}`);
  const cli: Built = { files: new Map(), modes: new Map() };
  for (const path of walk(out.path)) {
    const full = join(out.path, path);
    cli.files.set(path, new Uint8Array(await Bun.file(full).arrayBuffer()));
    cli.modes.set(path, statSync(full).mode & 0o777);
  }
  return { bunseal, cli };
}

function walk(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(root, join(dir, e.name)) : [relative(root, join(dir, e.name))]))
    .sort();
}

/** Sourcemaps with `sources` made comparable (the one documented difference); every other file as it is. */
export function comparable(built: Built): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, data] of built.files) {
    if (path.endsWith(".map")) {
      const map = JSON.parse(new TextDecoder().decode(data));
      map.sources = map.sources.map((s: string) => s.replace(/^(\.\.\/)+/, "").replace(/^\.\//, ""));
      out[path] = JSON.stringify(map);
    } else out[path] = new Bun.CryptoHasher("sha256").update(data).digest("hex");
  }
  return out;
}

export function text(built: Built, path: string): string {
  const data = built.files.get(path);
  if (!data) throw new Error(`no output ${path}; outputs: ${[...built.files.keys()].join(", ")}`);
  return new TextDecoder().decode(data);
}
