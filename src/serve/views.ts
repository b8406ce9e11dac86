/**
 * The console's views that no single CLI command prints: an artifact's files,
 * shipped packages and rebuilds; the service × environment matrix; one
 * (service, environment)'s pin timeline with rollbacks and contract changes.
 * Reads only; the marking of a timeline is a pure function of the history.
 *
 * Every pin row shown is held to its signed pin first (issue 20, item 9): a row
 * edited in the database is shown, marked as not matching, with what its
 * signed pin says, and never as what runs now; the rest of the page stays, as
 * a responder still needs it. (Readers that decide, rollback and pin, and the
 * full listing `pins` / `/api/pins`, refuse instead.)
 */
import { BunsealError } from "../errors.ts";
import { pinRowProblems } from "../pin/verify-pin-rows.ts";
import { packageInventory } from "../inventory/shipped.ts";
import type { ArtifactRecord, PinRecord, Store } from "../store/store.ts";
import { storedStatement } from "../store/stored-statement.ts";
import { parseDigest } from "../util/digest.ts";

export type PinRow = Omit<PinRecord, "bundle">;

/** A pin as `pins --json` prints it: the signed bundle is for machines that verify, not for reading. */
export function withoutBundle(pins: readonly PinRecord[]): PinRow[] {
  return pins.map(({ bundle: _b, ...pin }) => pin);
}

export interface ArtifactContents {
  digest: string;
  name: string;
  files: { path: string; digest: string }[];
  /** shipped ones first; `shipped` null when neither the store nor the statement can say */
  packages: { name: string; version: string; integrity: string | null; shipped: boolean | null }[];
  rebuilds: Awaited<ReturnType<Store["rebuildsOf"]>>;
}

export async function artifactContents(store: Store, digestText: string): Promise<ArtifactContents> {
  const hex = parseDigest(digestText)!;
  const [record, rebuilds] = await Promise.all([store.getArtifact(hex), store.rebuildsOf(hex)]);
  if (!record) throw new BunsealError("NOT_FOUND", `sha256:${hex}: no artifact with this digest in ${store.location}`, { field: "digest", expected: "a stored artifact's sha256", found: `sha256:${hex}` });
  return { digest: hex, name: record.name, files: record.files, packages: shippedPackages(record), rebuilds };
}

/**
 * Rows recorded before the store kept `shipped` have null there; for those the
 * statement in the stored bundle answers (the store verified it when it took
 * it in, and trace's re-run on the same page says whether it still does).
 */
function shippedPackages(record: ArtifactRecord): ArtifactContents["packages"] {
  let inventory: Map<string, boolean> | undefined;
  const fromStatement = (name: string, version: string): boolean | null => {
    inventory ??= statementInventory(record.bundle);
    return inventory.get(`${name}@${version}`) ?? null;
  };
  const rows = record.packages.map((p) => ({ name: p.name, version: p.version, integrity: p.integrity, shipped: p.shipped ?? fromStatement(p.name, p.version) }));
  const rank = (shipped: boolean | null) => (shipped === true ? 0 : shipped === null ? 1 : 2);
  return rows.sort((a, b) => rank(a.shipped) - rank(b.shipped) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
}

function statementInventory(bundle: string): Map<string, boolean> {
  const shipped = new Map<string, boolean>();
  try {
    for (const p of packageInventory(storedStatement(bundle))) shipped.set(`${p.name}@${p.version}`, (shipped.get(`${p.name}@${p.version}`) ?? false) || p.shipped);
  } catch {
    // a bundle the inventory cannot read leaves `shipped` unknown (null), never guessed
  }
  return shipped;
}

/** What a pinned artifact is, in a matrix cell or on a timeline: enough to recognise it and its contracts. */
export interface PinnedArtifact {
  name: string;
  commit: string;
  builtAt: string;
  schemaVersion: string | null;
  telemetryContract: string | null;
}

/** Whether a row is what its bundle signs (fields only: the console is given no pin key). */
export interface RowCheck {
  matchesSignedPin: boolean;
  /** why not, as "digest: the row says X, the signed pin says Y"; empty when it matches */
  rowProblems: string[];
}

export interface MatrixCell extends RowCheck {
  pin: PinRow;
  /** null when the store has no record of the pinned digest, or the row is not its signed pin */
  artifact: PinnedArtifact | null;
}

export interface EnvironmentMatrix {
  services: string[];
  envs: string[];
  /** one per (service, env) that has a pin: the newest */
  cells: MatrixCell[];
}

export async function environmentMatrix(store: Store): Promise<EnvironmentMatrix> {
  const current = await store.currentPins();
  const artifacts = await pinnedArtifacts(store, current.map((p) => p.digest));
  const services = [...new Set(current.map((p) => p.service))].sort();
  const envs = [...new Set(current.map((p) => p.env))].sort();
  const checks = await rowChecks(current);
  const cells = withoutBundle(current)
    .map((pin, i) => ({ pin, ...checks[i]! }))
    .sort((a, b) => (a.pin.service < b.pin.service ? -1 : a.pin.service > b.pin.service ? 1 : a.pin.env < b.pin.env ? -1 : a.pin.env > b.pin.env ? 1 : 0))
    .map(({ pin, matchesSignedPin, rowProblems }) => ({ pin, artifact: matchesSignedPin ? (artifacts.get(pin.digest) ?? null) : null, matchesSignedPin, rowProblems }));
  return { services, envs, cells };
}

export interface TimelineEntry extends RowCheck {
  pin: PinRow;
  /** null when the store has no record of the pinned digest, or the row is not its signed pin */
  artifact: PinnedArtifact | null;
  /** the newest pin, when it is its signed pin: what runs now (an edited newest row leaves none current) */
  current: boolean;
  /** the contracts differ from the pin before this one (null: no change, or nothing to compare) */
  contractChange: { schemaVersion: [string | null, string | null] | null; telemetryContract: [string | null, string | null] | null } | null;
}

export interface PinTimeline {
  service: string;
  env: string;
  /** newest first */
  entries: TimelineEntry[];
  /** older pins not shown (a long history is cut to the newest TIMELINE_WINDOW) */
  older: number;
}

export const TIMELINE_WINDOW = 200;

export async function pinTimeline(store: Store, service: string, env: string): Promise<PinTimeline> {
  const history = await store.pins({ service, env });
  if (history.length === 0) throw new BunsealError("NOT_FOUND", `no pins of ${service} in ${env} in ${store.location}`, { field: "service, env", expected: "a (service, env) with pins", found: `${service}, ${env}` });
  // one pin before the window too, so the first pin shown can say whether it changed a contract
  const from = Math.max(0, history.length - TIMELINE_WINDOW - 1);
  const window = history.slice(from);
  const artifacts = await pinnedArtifacts(store, window.map((p) => p.digest));
  const checks = await rowChecks(window);
  const problems = new Map(window.flatMap((p, i) => (checks[i]!.matchesSignedPin ? [] : [[p.sequence, checks[i]!.rowProblems] as const])));
  const entries = markTimeline(withoutBundle(window), artifacts, problems);
  return { service, env, entries: from === 0 ? entries : entries.slice(0, -1), older: from === 0 ? 0 : from + 1 };
}

/**
 * Pure: a history (oldest first), what each digest is, and the rows that are
 * not their signed pins (by sequence, with why) → entries newest first,
 * changes marked. A row not its signed pin names no artifact and no change,
 * and neither does the pin after it compare against it.
 */
export function markTimeline(history: readonly PinRow[], artifacts: ReadonlyMap<string, PinnedArtifact>, problems: ReadonlyMap<number, readonly string[]> = new Map()): TimelineEntry[] {
  const artifactOf = (pin: PinRow) => (problems.has(pin.sequence) ? undefined : artifacts.get(pin.digest));
  const entries = history.map((pin, i): TimelineEntry => {
    const rowProblems = [...(problems.get(pin.sequence) ?? [])];
    const artifact = artifactOf(pin) ?? null;
    const before = i === 0 ? undefined : artifactOf(history[i - 1]!);
    const change = (field: "schemaVersion" | "telemetryContract"): [string | null, string | null] | null => (before && artifact && before[field] !== artifact[field] ? [before[field], artifact[field]] : null);
    const schemaVersion = change("schemaVersion");
    const telemetryContract = change("telemetryContract");
    const matchesSignedPin = rowProblems.length === 0;
    return { pin, artifact, current: matchesSignedPin && i === history.length - 1, matchesSignedPin, rowProblems, contractChange: schemaVersion || telemetryContract ? { schemaVersion, telemetryContract } : null };
  });
  return entries.reverse();
}

async function pinnedArtifacts(store: Store, digests: readonly string[]): Promise<Map<string, PinnedArtifact>> {
  const unique = [...new Set(digests)];
  const records = await Promise.all(unique.map((d) => store.getArtifact(d)));
  const found = new Map<string, PinnedArtifact>();
  for (const r of records) if (r) found.set(r.digest, { name: r.name, commit: r.commit, builtAt: r.builtAt, schemaVersion: r.schemaVersion, telemetryContract: r.telemetryContract });
  return found;
}

async function rowChecks(rows: readonly PinRecord[]): Promise<RowCheck[]> {
  return Promise.all(rows.map(async (row) => {
    const rowProblems = await pinRowProblems(row);
    return { matchesSignedPin: rowProblems.length === 0, rowProblems };
  }));
}
