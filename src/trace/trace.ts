/**
 * `bunseal trace`: from whatever a responder holds (a digest from a log line,
 * the artifact tar, or one bundle file copied off a production host) back to
 * the commit, the lockfile, the Bun, the flags and contracts, who built and
 * signed it, whether it still verifies, and where it is or was pinned.
 */
import { BunsealError } from "../errors.ts";
import { artifactCursor, checkLimit, invalidCursor } from "../store/cursor.ts";
import { looksLikeDigestPrefix, resolveDigestPrefix } from "../store/digest-prefix.ts";
import { VerdictCache } from "./verdict-cache.ts";
import { packagePage, type Page } from "../store/pages.ts";
import type { ArtifactRecord, ArtifactSummary, PackageMatch as StoredMatch, PinRecord, RebuildRecord, Store } from "../store/store.ts";
import { digestArgument, parseDigest, sha256File } from "../util/digest.ts";
import type { Trust } from "../verify/trust.ts";

export interface PinPlace {
  env: string;
  sequence: number;
  pinnedAt: string;
  actor: string;
  rollbackOf: number | null;
  /** whether this is the newest pin of its (service, env) and its signed pin: the artifact runs there now */
  current: boolean;
  /**
   * whether the row is what its bundle signs (its fields; no pin key is given to trace): a row whose
   * digest was edited in the database is listed, marked, and never current (issue 20, item 9)
   */
  matchesSignedPin: boolean;
  /** why not, as "digest: the row says X, the signed pin says Y"; empty when it matches */
  rowProblems: string[];
}

export interface TraceMatch {
  artifact: ArtifactSummary;
  /** when the target is a file inside the artifact */
  file?: string;
  verifies: boolean;
  verifyFailures: string[];
  pins: PinPlace[];
  /** the rebuilds `rebuild --store` recorded, oldest first: verdicts this bunseal reached, not signed statements */
  rebuilds: RebuildRecord[];
  /**
   * How the build's boundary was enforced, from the signed statement once it verified (null otherwise:
   * an unsandboxed record fails with BUILD_UNSANDBOXED, which says so in verifyFailures)
   */
  sandbox: { kind: string; network: boolean | null; reads: string | null; reason?: string } | null;
  /** the runtime measurements `measure --store` recorded, newest first; absent when there are none */
  measurements?: import("./measurements.ts").TracedMeasurement[];
}

export interface TraceReport {
  target: { input: string; digest: string; kind: "artifact" | "file" };
  /** what each match was verified under: the caller's trust, or the signer the store recorded with the record */
  trust: "given" | "stored-signer";
  matches: TraceMatch[];
  /** a file's trace with `limit`: how many artifacts hold the file, of which `matches` is one page */
  count?: number;
  /** a file's trace with `limit`: the `after` of the next page; null on the last */
  nextCursor?: string | null;
}

export interface TraceOptions {
  /** verify under this (the responder's keys, identity or policy) rather than the signer the store recorded */
  trust?: Trust;
  /** a file inside artifacts: at most this many of them (default: all), newest build first */
  limit?: number;
  /** a previous answer's nextCursor */
  after?: string;
  /** verdicts kept across calls (the console's), by the record's content: used under the stored signer only */
  verdicts?: VerdictCache;
}

/**
 * `target`: a digest, a unique prefix of one (12+ hex, with or without
 * `sha256:`; a bare hex text is a digest before it is a file name: `./abc…`
 * names the file), or a file to hash.
 */
export async function trace(store: Store, target: string, options: TraceOptions = {}): Promise<TraceReport> {
  const digest = parseDigest(target) ?? (looksLikeDigestPrefix(target) ? await resolveDigestPrefix(store, target, { field: "TARGET" }) : await digestOfFile(target));
  const trust = options.trust ? "given" : "stored-signer";
  const verdicts = options.trust ? undefined : options.verdicts;
  if (options.after !== undefined && options.limit === undefined) throw new BunsealError("USAGE", "after: expected it with a limit (it names a page)", { field: "after", expected: "limit with after" });
  const artifact = await store.getArtifact(digest);
  if (artifact) return { target: { input: target, digest, kind: "artifact" }, trust, matches: [await describe(store, artifact, options.trust, verdicts)] };
  const limit = checkLimit(options.limit);
  const [rows, count] = await Promise.all([limit === undefined ? store.findByFileDigest(digest) : store.findByFileDigest(digest, { limit: limit + 1, before: options.after }), limit === undefined ? undefined : store.countByFileDigest(digest)]);
  if (rows.length === 0 && options.after === undefined) {
    throw new BunsealError("NOT_FOUND", `sha256:${digest} is neither an artifact nor a file of one in ${store.location}; expected a digest the store has recorded (store import the bundle first)`, { field: "TARGET", expected: "a known artifact or file digest", found: `sha256:${digest}` });
  }
  const containing = limit === undefined ? rows : rows.slice(0, limit);
  const newest = new Map<string, Promise<number>>();
  // one after another: started together, every verification parses its bundle (40 KB for the example
  // service) before any finishes, so a page of 200 would hold them all at once for no gain in time
  const matches: TraceMatch[] = [];
  for (const summary of containing) {
    const record = (await store.getArtifact(summary.digest))!;
    matches.push({ ...(await describe(store, record, options.trust, verdicts, newest)), file: record.files.find((f) => f.digest === digest)?.path });
  }
  const report: TraceReport = { target: { input: target, digest, kind: "file" }, trust, matches };
  if (limit === undefined) return report;
  const last = containing.at(-1);
  return { ...report, count, nextCursor: rows.length > limit && last ? artifactCursor({ builtAtMs: Date.parse(last.builtAt), digest: last.digest }) : null };
}

export async function describe(store: Store, record: ArtifactRecord, trust?: Trust, verdicts?: VerdictCache, newest?: Map<string, Promise<number>>): Promise<TraceMatch> {
  const key = verdicts && !trust ? VerdictCache.keyOf(record) : undefined;
  const [verdict, pins, rebuilds, measurements] = await Promise.all([(key && verdicts!.get(key)) || judge(record, trust), store.pins({ digest: record.digest }), store.rebuildsOf(record.digest), import("./measurements.ts").then((m) => m.measurementsOfArtifact(store, record, trust))]);
  if (key) verdicts!.set(key, verdict);
  return { artifact: summarize(record), ...verdict, pins: await places(store, pins, newest), rebuilds, ...(measurements.length > 0 ? { measurements } : {}) };
}

async function judge(record: ArtifactRecord, trust: Trust | undefined): Promise<import("./verdict-cache.ts").CachedVerdict> {
  // loaded here: the verifier (zod, node:crypto) is most of a one-shot `trace --package`'s start-up, which never verifies
  const { verifyStored } = await import("../store/verify-stored.ts");
  const verdict = await verifyStored(record, trust, { allowDirty: true });
  const recorded = verdict.statement ? (await import("../verify/check-sandbox.ts")).sandboxOf(verdict.statement) : undefined;
  const sandbox = recorded ? { kind: recorded.kind, network: recorded.network, reads: recorded.reads, ...(recorded.reason ? { reason: recorded.reason } : {}) } : null;
  return { verifies: verdict.verified, verifyFailures: verdict.failures.map((f) => `${f.code}: ${f.message}`), sandbox };
}

export interface CommitTrace {
  commit: { prefix: string };
  /** newest build first */
  matches: { artifact: ArtifactSummary; pins: PinPlace[] }[];
  /** whether more artifacts were built from it than `limit` */
  more: boolean;
}

/**
 * `trace --commit PREFIX`: the artifacts built from a commit (7 to 64 hex),
 * and where each is or was pinned. Verifies nothing, as `--package`: trace
 * one of them for that.
 */
export async function traceCommit(store: Store, prefix: string, options: { limit?: number } = {}): Promise<CommitTrace> {
  const limit = checkLimit(options.limit) ?? 100;
  const found = await store.findByCommitPrefix(prefix.trim(), limit + 1);
  const page = found.slice(0, limit);
  const pinsByDigest = Map.groupBy(await store.pinsOf(page.map((a) => a.digest)), (p) => p.digest);
  const newest = new Map<string, Promise<number>>();
  const matches = await Promise.all(page.map(async (artifact) => ({ artifact, pins: await places(store, pinsByDigest.get(artifact.digest) ?? [], newest) })));
  return { commit: { prefix: prefix.trim().toLowerCase() }, matches, more: found.length > limit };
}

/** `newest`: the newest sequence of each (service, env) asked so far, shared by the matches of one answer */
async function places(store: Store, pins: readonly PinRecord[], newest: Map<string, Promise<number>> = new Map()): Promise<PinPlace[]> {
  const latest = (p: PinRecord) => {
    const key = `${p.service}\0${p.env}`;
    let sequence = newest.get(key);
    if (!sequence) newest.set(key, (sequence = store.latestPin(p.service, p.env).then((pin) => pin?.sequence ?? 0)));
    return sequence;
  };
  if (pins.length === 0) return [];
  // loaded only when there are rows to check: it brings in the bundle parser and zod, as judge() does
  const { pinRowProblems } = await import("../pin/verify-pin-rows.ts");
  return Promise.all(
    pins.map(async (p) => {
      const [newestSequence, rowProblems] = await Promise.all([latest(p), pinRowProblems(p)]);
      const matchesSignedPin = rowProblems.length === 0;
      return { env: p.env, sequence: p.sequence, pinnedAt: p.pinnedAt, actor: p.actor, rollbackOf: p.rollbackOf, current: matchesSignedPin && newestSequence === p.sequence, matchesSignedPin, rowProblems };
    }),
  );
}

function summarize(record: ArtifactRecord): ArtifactSummary {
  const { bundle: _b, files: _f, packages: _p, signerPublicKey: _k, signerTrustedRoot: _r, ...summary } = record;
  return summary;
}

async function digestOfFile(path: string): Promise<string> {
  // what names itself a digest is one, or a mistake: never a file to look for
  if (/^sha256:/i.test(path)) return digestArgument(path, "TARGET");
  try {
    return (await sha256File(path)).hex;
  } catch (cause) {
    throw new BunsealError("INPUT_UNREADABLE", `${path}: expected sha256:<hex>, a hex digest, or a readable file, got ${(cause as Error).message}`, { file: path, expected: "a digest or a file", cause });
  }
}

export interface PackageMatch {
  artifact: ArtifactSummary;
  packageVersion: string;
  /** true: at least one of its files went into an output; false: locked only; null: recorded before the store kept this */
  shipped: boolean | null;
  pins: PinPlace[];
}

export interface PackageCount {
  /** artifacts that locked the package */
  artifacts: number;
  /** of those, the ones that shipped it */
  shipped: number;
}

export interface PackageTrace {
  /** `name` as the store holds it (`Hono` asks for `hono`); `version` as asked (a version or a range), trimmed */
  package: { name: string; version: string | null };
  /** with a version: the versions of the package the store holds, and those the version or range matched */
  versions?: { locked: string[]; matched: string[] };
  /** absent with `countOnly` */
  matches?: PackageMatch[];
  count: PackageCount;
  /** the `after` of the next page; null on the last (absent with `countOnly`) */
  nextCursor?: string | null;
}

export interface PackageTraceOptions {
  /** at most this many matches (default: all) */
  limit?: number;
  /** a previous answer's nextCursor */
  after?: string;
  /** only the artifacts that shipped it */
  shippedOnly?: boolean;
  /** the count only, no matches */
  countOnly?: boolean;
}

/**
 * `trace --package NAME[@VERSION]`: every artifact that locked it, the ones
 * that shipped it first (newest build first within each), and where each
 * runs. The bundles are not verified again here (a vulnerable version can be
 * in thousands of artifacts); trace one of them for that.
 */
export async function tracePackage(store: Store, spec: string, options: PackageTraceOptions = {}): Promise<PackageTrace> {
  // loaded here: a package's spec (and semver) is read by --package alone, not by a trace of a digest or a file
  const { selectPackage } = await import("./package-spec.ts");
  const selection = await selectPackage(store, spec);
  const { name, query } = selection;
  const pkg = { name, version: selection.version };
  // with a version: which versions the store holds and which the version or range matched ("locked, but none matches")
  const versions = selection.versions ? { versions: selection.versions } : {};
  if (options.countOnly) return { package: pkg, ...versions, count: await store.countByPackage(name, query) };
  const [page, count] = await Promise.all([shippedFirst(store, name, query, options), store.countByPackage(name, query)]);
  const newest = new Map<string, Promise<number>>();
  // every match's pins in one query, not one a match
  const pinsByDigest = Map.groupBy(await store.pinsOf(page.items.map((m) => m.digest)), (p) => p.digest);
  const matches = await Promise.all(
    page.items.map(async ({ packageVersion, shipped, ...artifact }) => ({ artifact, packageVersion, shipped, pins: await places(store, pinsByDigest.get(artifact.digest) ?? [], newest) })),
  );
  return { package: pkg, ...versions, matches, count, nextCursor: page.nextCursor };
}

/**
 * The shipped matches, then the rest, as one paged list. A cursor of this
 * list is the store's cursor with the part it is in: `s:` (shipped) or `l:`
 * (locked only or unknown; `l:` alone is that part's start).
 */
async function shippedFirst(store: Store, name: string, version: string | readonly string[] | undefined, options: PackageTraceOptions): Promise<Page<StoredMatch>> {
  const { limit, shippedOnly = false } = options;
  const [part, after] = readTraceCursor(options.after, shippedOnly);
  const page = (query: { shippedOnly?: true; lockedOnly?: true }, size: number | undefined, from: string | undefined) =>
    size === undefined ? store.findByPackage(name, version, { ...query, after: from }).then((items) => ({ items, nextCursor: null })) : packagePage(store, name, version, { ...query, limit: size, after: from });
  if (part === "l") {
    const locked = await page({ lockedOnly: true }, limit, after);
    return { items: locked.items, nextCursor: locked.nextCursor && `l:${locked.nextCursor}` };
  }
  const shipped = await page({ shippedOnly: true }, limit, after);
  if (shipped.nextCursor) return { items: shipped.items, nextCursor: `s:${shipped.nextCursor}` };
  if (shippedOnly) return { items: shipped.items, nextCursor: null };
  const room = limit === undefined ? undefined : limit - shipped.items.length;
  if (room === 0) {
    // a page that ends where the shipped ones end: a next page only if there is anything locked
    const any = await store.findByPackage(name, version, { lockedOnly: true, limit: 1 });
    return { items: shipped.items, nextCursor: any.length > 0 ? "l:" : null };
  }
  const locked = await page({ lockedOnly: true }, room, undefined);
  return { items: [...shipped.items, ...locked.items], nextCursor: locked.nextCursor && `l:${locked.nextCursor}` };
}

function readTraceCursor(cursor: string | undefined, shippedOnly: boolean): ["s" | "l", string | undefined] {
  if (cursor === undefined) return ["s", undefined];
  const part = cursor.slice(0, 2);
  const rest = cursor.slice(2);
  if (part === "s:" && rest !== "") return ["s", rest];
  // a cursor into the locked part belongs to a listing that was not --shipped-only
  if (part === "l:" && !shippedOnly) return ["l", rest === "" ? undefined : rest];
  throw invalidCursor(cursor, "--after");
}
