/**
 * `bunseal trace`: from whatever a responder holds (a digest from a log line,
 * the artifact tar, or one bundle file copied off a production host) back to
 * the commit, the lockfile, the Bun, the flags and contracts, who built and
 * signed it, whether it still verifies, and where it is or was pinned.
 */
import { BunsealError } from "../errors.ts";
import type { ArtifactRecord, ArtifactSummary, PinRecord, Store } from "../store/store.ts";
import { verifyStored } from "../store/verify-stored.ts";
import { parseDigest, sha256File } from "../util/digest.ts";

export interface PinPlace {
  env: string;
  sequence: number;
  pinnedAt: string;
  actor: string;
  rollbackOf: number | null;
  /** whether this is the newest pin of its (service, env): the artifact runs there now */
  current: boolean;
}

export interface TraceMatch {
  artifact: ArtifactSummary;
  /** when the target is a file inside the artifact */
  file?: string;
  verifies: boolean;
  verifyFailures: string[];
  pins: PinPlace[];
}

export interface TraceReport {
  target: { input: string; digest: string; kind: "artifact" | "file" };
  matches: TraceMatch[];
}

export async function trace(store: Store, target: string): Promise<TraceReport> {
  const digest = parseDigest(target) ?? (await digestOfFile(target));
  const artifact = await store.getArtifact(digest);
  if (artifact) return { target: { input: target, digest, kind: "artifact" }, matches: [await describe(store, artifact)] };
  const containing = await store.findByFileDigest(digest);
  if (containing.length === 0) {
    throw new BunsealError("NOT_FOUND", `sha256:${digest} is neither an artifact nor a file of one in ${store.location}; expected a digest the store has recorded (store import the bundle first)`, { field: "TARGET", expected: "a known artifact or file digest", found: `sha256:${digest}` });
  }
  const matches = await Promise.all(
    containing.map(async (summary) => {
      const record = (await store.getArtifact(summary.digest))!;
      return { ...(await describe(store, record)), file: record.files.find((f) => f.digest === digest)?.path };
    }),
  );
  return { target: { input: target, digest, kind: "file" }, matches };
}

export async function describe(store: Store, record: ArtifactRecord): Promise<TraceMatch> {
  const [verdict, pins] = await Promise.all([verifyStored(record, undefined, { allowDirty: true }), store.pins({ digest: record.digest })]);
  return { artifact: summarize(record), verifies: verdict.verified, verifyFailures: verdict.failures.map((f) => `${f.code}: ${f.message}`), pins: await places(store, pins) };
}

async function places(store: Store, pins: readonly PinRecord[]): Promise<PinPlace[]> {
  const latest = new Map<string, number>();
  for (const key of new Set(pins.map((p) => `${p.service}\0${p.env}`))) {
    const [service, env] = key.split("\0") as [string, string];
    latest.set(key, (await store.latestPin(service, env))?.sequence ?? 0);
  }
  return pins.map((p) => ({ env: p.env, sequence: p.sequence, pinnedAt: p.pinnedAt, actor: p.actor, rollbackOf: p.rollbackOf, current: latest.get(`${p.service}\0${p.env}`) === p.sequence }));
}

function summarize(record: ArtifactRecord): ArtifactSummary {
  const { bundle: _b, files: _f, packages: _p, signerPublicKey: _k, signerTrustedRoot: _r, ...summary } = record;
  return summary;
}

async function digestOfFile(path: string): Promise<string> {
  try {
    return (await sha256File(path)).hex;
  } catch (cause) {
    throw new BunsealError("INPUT_UNREADABLE", `${path}: expected sha256:<hex>, a hex digest, or a readable file, got ${(cause as Error).message}`, { file: path, expected: "a digest or a file", cause });
  }
}

export interface PackageMatch {
  artifact: ArtifactSummary;
  packageVersion: string;
  pins: PinPlace[];
}

export interface PackageTrace {
  package: { name: string; version: string | null };
  matches: PackageMatch[];
}

/**
 * `trace --package NAME[@VERSION]`: every artifact that shipped it, and where
 * each runs. The bundles are not verified again here (a vulnerable version
 * can be in thousands of artifacts); trace one of them for that.
 */
export async function tracePackage(store: Store, spec: string): Promise<PackageTrace> {
  const at = spec.lastIndexOf("@");
  const [name, version] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, undefined];
  const found = await store.findByPackage(name, version);
  const matches = await Promise.all(found.map(async ({ packageVersion, ...artifact }) => ({ artifact, packageVersion, pins: await places(store, await store.pins({ digest: artifact.digest })) })));
  return { package: { name, version: version ?? null }, matches };
}
