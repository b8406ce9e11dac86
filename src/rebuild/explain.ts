/**
 * Stage `explain` of rebuild: turns a comparison into causes a release
 * engineer can act on. Drift (another Bun, another lockfile, other inputs)
 * comes first, since it explains everything downstream of it; then what the
 * environment leaked into particular files, each with the values as evidence.
 */
import { HASHED_NAME, type Comparison, type FileDifference, type Region } from "./compare.ts";
import type { BuildFacts, Cause, CauseKind } from "./cause.ts";
import { q, randomEvidence, regionFindings, type Finding } from "./causes.ts";

export type { BuildFacts, Cause, CauseKind };

const short = (digest: string) => (digest.length > 24 ? `${digest.slice(0, 19)}…` : digest);

export function explainDifferences(comparison: Comparison, original: BuildFacts, rebuilt: BuildFacts): Cause[] {
  if (comparison.identical) return [];
  const drift = driftCauses(original, rebuilt);
  const causes = [...drift, ...environmentCauses(comparison, original, rebuilt)];
  const index = indexFiles(comparison, original, rebuilt, drift.length > 0);
  for (const file of comparison.files) causes.push(...fileCauses(file, index));
  if (causes.length === 0) {
    // Not identical, yet nothing found: say where it differs, never nothing.
    const first = comparison.files[0];
    causes.push({ kind: "unknown", file: first?.path ?? null, evidence: first ? fallbackEvidence(first) : `the tars differ (sha256 ${comparison.tar?.original ?? "?"} vs ${comparison.tar?.rebuilt ?? "?"})` });
  }
  return causes;
}

function driftCauses(a: BuildFacts, b: BuildFacts): Cause[] {
  const out: Cause[] = [];
  if (a.bunVersion !== b.bunVersion) out.push({ kind: "bun-version", file: null, evidence: `built with Bun ${a.bunVersion}, rebuilt with ${b.bunVersion}` });
  const lockDrift = a.lockfileDigest !== b.lockfileDigest;
  if (lockDrift) out.push({ kind: "dependency-drift", file: null, evidence: `bun.lock ${a.lockfileDigest ?? "absent"} recorded, ${b.lockfileDigest ?? "absent"} in the checkout` });
  for (const [key, was, now] of changedKeys(a.packages, b.packages)) {
    const evidence =
      was === undefined ? `${key} is installed for the rebuild but was not recorded`
      : now === undefined ? `${key} was recorded (${short(was)}) but is not installed for the rebuild`
      : `${key}: integrity ${short(was)} recorded, ${short(now)} installed`;
    out.push({ kind: "dependency-drift", file: null, evidence });
  }
  const inputs: Cause[] = [];
  if (a.configDigest !== undefined && b.configDigest !== undefined && a.configDigest !== b.configDigest) {
    inputs.push({ kind: "input-drift", file: null, evidence: `build configuration ${short(a.configDigest)} recorded, ${short(b.configDigest)} now` });
  }
  for (const [path, was, now] of changedKeys(a.inputs, b.inputs)) {
    // The lockfile's change is already the dependency-drift cause above.
    if (lockDrift && /(^|\/)bun\.lockb?$/.test(path)) continue;
    const evidence =
      was === undefined ? `read by the rebuild (sha256 ${short(now!)}), not recorded`
      : now === undefined ? `recorded (sha256 ${short(was)}), not read by the rebuild`
      : `sha256 ${short(was)} recorded, ${short(now)} now`;
    // A file of an installed package changed: the install drifted (or was tampered with), not the source.
    if (/(^|\/)node_modules\//.test(path)) out.push({ kind: "dependency-drift", file: path, evidence: `${evidence} (a file of an installed package${scriptOf(path, a, b)})` });
    else inputs.push({ kind: "input-drift", file: path, evidence });
  }
  out.push(...inputs);
  return out;
}

/** The install script behind a package's file, when the record says the package's scripts ran. */
function scriptOf(path: string, a: BuildFacts, b: BuildFacts): string {
  const name = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];
  const key = name === undefined ? undefined : a.scriptsRun?.find((k) => k.startsWith(`${name}@`));
  if (name === undefined || key === undefined) return "";
  const script = b.installScripts?.get(name);
  return `; ${key} has install scripts, which the record says ran${script ? `: ${script}` : ""}`;
}

function changedKeys(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): [string, string | undefined, string | undefined][] {
  return [...new Set([...a.keys(), ...b.keys()])].sort().filter((k) => a.get(k) !== b.get(k)).map((k) => [k, a.get(k), b.get(k)]);
}

/** Causes of the whole build rather than one file: the variables it could see, its clock, the tar itself. */
function environmentCauses(comparison: Comparison, a: BuildFacts, b: BuildFacts): Cause[] {
  const out: Cause[] = [];
  const visible = new Set([...(b.envNames ?? []), ...(b.env?.keys() ?? [])]);
  for (const name of a.envNames ?? []) {
    if (b.env !== undefined && b.env.get(name) === "") out.push({ kind: "env-var", file: null, evidence: `${name} was visible to the original build but is unset or empty for the rebuild` });
    else if (!visible.has(name) && (b.envNames !== undefined || b.env !== undefined)) out.push({ kind: "env-var", file: null, evidence: `${name} was visible to the original build but not to the rebuild` });
  }
  for (const name of b.envNames ?? []) if (a.envNames !== undefined && !a.envNames.includes(name)) out.push({ kind: "env-var", file: null, evidence: `${name} is visible to the rebuild but was not to the original build` });
  if (a.sourceDateEpoch !== undefined && b.sourceDateEpoch !== undefined && a.sourceDateEpoch !== b.sourceDateEpoch) {
    out.push({ kind: "timestamp", file: null, evidence: `SOURCE_DATE_EPOCH ${a.sourceDateEpoch} (${iso(a.sourceDateEpoch)}) recorded, ${b.sourceDateEpoch} (${iso(b.sourceDateEpoch)}) for the rebuild` });
  }
  if (comparison.entryOrder) {
    const { original, rebuilt } = comparison.entryOrder;
    const i = original.findIndex((p, n) => p !== rebuilt[n]);
    out.push({ kind: "file-order", file: null, evidence: `the archives list their entries in another order: entry ${i + 1} is ${q(original[i]!)} in the original, ${q(rebuilt[i]!)} rebuilt` });
  }
  if (comparison.files.length === 0 && !comparison.entryOrder && comparison.tar && comparison.tar.original !== comparison.tar.rebuilt) {
    const evidence =
      `the tars differ (sha256 ${comparison.tar.original} vs ${comparison.tar.rebuilt}) though every entry's path, bytes and header fields match: ` +
      "the difference is in the tar framing (pax records, padding or header fields bunseal does not read)";
    out.push({ kind: "unknown", file: null, evidence });
  }
  return out;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** What every file's analysis looks up, computed once: artifacts can hold many thousands of files. */
interface Index {
  a: BuildFacts;
  b: BuildFacts;
  drift: boolean;
  /** every differing path (the renamed ones under both names) */
  differing: Set<string>;
  /** removed files an added one replaces under a new content hash */
  renamed: Set<string>;
  /** content hashes in renamed outputs' names: a reference to one changes because the output did, not on its own */
  hashes: Set<string>;
}

function indexFiles(comparison: Comparison, a: BuildFacts, b: BuildFacts, drift: boolean): Index {
  const index: Index = { a, b, drift, differing: new Set(), renamed: new Set(), hashes: new Set() };
  for (const f of comparison.files) {
    index.differing.add(f.path);
    if (f.renamedFrom === undefined) continue;
    index.renamed.add(f.renamedFrom);
    for (const h of [...(f.path.match(HASHED_NAME) ?? []), ...(f.renamedFrom.match(HASHED_NAME) ?? [])]) index.hashes.add(h);
  }
  return index;
}

function fileCauses(file: FileDifference, index: Index): Cause[] {
  const { a, b, drift } = index;
  const found: Finding[] = [];
  for (const [field, [was, now]] of Object.entries(file.metadata ?? {})) {
    // Every entry's mtime is SOURCE_DATE_EPOCH: when that differs, the cause above says so once, not once per file.
    if (field === "mtime" && was === a.sourceDateEpoch && now === b.sourceDateEpoch) continue;
    found.push(metadataFinding(field, was, now));
  }
  // The partner of a renamed output is explained with it.
  if (file.kind === "removed" && index.renamed.has(file.path)) return [];
  if (file.reordered) found.push({ kind: "file-order", evidence: `the same ${file.reordered} in another order (first difference at byte ${file.firstDifferenceAt}${where(file)}): modules or entries were emitted in a different sequence` });
  else {
    let unexplained: string | undefined;
    for (const region of file.regions ?? []) {
      if (isDerived(region, file, index)) continue;
      const at = `at byte ${region.offset}${originOf(region, file)}`;
      const findings = regionFindings(region, a, b, at);
      const random = findings.length === 0 ? randomEvidence(region, at) : undefined;
      if (random) findings.push({ kind: "random", evidence: drift ? `${random}; the drift above may explain this too` : random });
      if (findings.length === 0) unexplained ??= `${at}: ${q(region.original)} vs ${q(region.rebuilt)}`;
      found.push(...findings);
    }
    const nothing = found.length === 0 && (file.regions === undefined || file.regions.length === 0);
    if (!drift && (unexplained || (nothing && file.kind !== "metadata"))) found.push({ kind: "unknown", evidence: unexplained ?? fallbackEvidence(file) });
  }
  // One cause per kind and file: the first place as evidence, with a count of the others.
  const causes: Cause[] = [];
  for (const kind of [...new Set(found.map((f) => f.kind))]) {
    const all = found.filter((f) => f.kind === kind);
    causes.push({ kind, file: file.path, evidence: all.length > 1 ? `${all[0]!.evidence}; and ${all.length - 1} more place(s) like it` : all[0]!.evidence });
  }
  return causes;
}

function metadataFinding(field: string, was: unknown, now: unknown): Finding {
  if (field === "mode") return { kind: "file-mode", evidence: `mode ${octal(was)} in the original, ${octal(now)} rebuilt` };
  if (field === "mtime") return { kind: "timestamp", evidence: `tar mtime ${was} (${iso(Number(was))}) vs ${now} (${iso(Number(now))})` };
  return { kind: "user", evidence: `tar ${field} ${JSON.stringify(was)} vs ${JSON.stringify(now)}: the archive records who built it` };
}

const octal = (mode: unknown) => `0${Number(mode).toString(8).padStart(3, "0")}`;

function where(file: FileDifference): string {
  return file.origin ? `, from ${file.origin.input}:${file.origin.line}:${file.origin.column}` : "";
}

/** The source position, for the region that holds the first difference (the only byte the source map was asked about). */
function originOf(region: Region, file: FileDifference): string {
  const first = file.firstDifferenceAt;
  const inside = first !== undefined && first >= region.offset && first <= region.offset + Buffer.byteLength(region.original);
  return inside && file.origin ? ` (${file.origin.input}:${file.origin.line}:${file.origin.column})` : "";
}

function isDerived(region: Region, file: FileDifference, index: Index): boolean {
  // Bun's debugId is a hash of the output: it changes with any other difference in it.
  if (/debugId[=":\s]*$/.test(region.before)) return true;
  if ([...index.hashes].some((h) => region.original.includes(h) || region.rebuilt.includes(h))) return true;
  // A source map's mappings follow its generated file's bytes; that file's own causes explain them.
  const generated = file.path.endsWith(".map") && index.differing.has(file.path.slice(0, -4));
  return generated && /^[A-Za-z0-9+/,;]*$/.test(region.original) && /^[A-Za-z0-9+/,;]*$/.test(region.rebuilt);
}

function fallbackEvidence(file: FileDifference): string {
  if (file.kind === "added") return `present only in the rebuild (${file.size.rebuilt ?? "?"} bytes, sha256 ${short(file.sha256.rebuilt ?? "?")})`;
  if (file.kind === "removed") return `present only in the original (${file.size.original ?? "?"} bytes, sha256 ${short(file.sha256.original ?? "?")})`;
  const at = file.firstDifferenceAt === undefined ? "" : `first difference at byte ${file.firstDifferenceAt}${where(file)}; `;
  return `${at}sha256 ${short(file.sha256.original ?? "?")} vs ${short(file.sha256.rebuilt ?? "?")}, ${file.size.original ?? "?"} vs ${file.size.rebuilt ?? "?"} bytes`;
}
