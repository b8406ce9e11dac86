/**
 * One artifact: what it is, whether its attestation verifies now (trace
 * verifies the stored bundle again for this request), where it runs, its
 * rebuilds, the packages it ships and its files.
 */
import type { TraceMatch, TraceReport } from "../../../trace/trace.ts";
import type { ArtifactContents } from "../../views.ts";
import { getJson, seg } from "../api.ts";
import { badge, fields, h, link, mono, table, time, type Child } from "../dom.ts";
import { signerText } from "./common.ts";

const FILES_SHOWN = 100;

export async function artifactPage(hex: string, traced?: TraceReport): Promise<Node[]> {
  const [report, contents] = await Promise.all([traced ?? getJson<TraceReport>(`/api/trace/sha256:${seg(hex)}`), getJson<ArtifactContents>(`/api/artifacts/sha256:${seg(hex)}`)]);
  const match = report.matches[0]!;
  return [...summary(match), ...verification(match), ...pins(match), ...rebuilds(contents), ...packages(contents), ...files(contents)];
}

function summary(m: TraceMatch): Node[] {
  const a = m.artifact;
  const flags = Object.entries(a.featureFlags);
  return [
    h("h1", {}, a.name),
    fields([
      ["Digest", mono(`sha256:${a.digest}`)],
      ["Service", a.service],
      ["Commit", [mono(a.commit), a.dirty ? badge("dirty work tree", "warn") : null]],
      ["Source", mono(a.sourceUri)],
      ["Bun", a.bunVersion],
      ["Lockfile", a.lockfileDigest ? mono(a.lockfileDigest) : "(none)"],
      ["Contracts", [`schemaVersion ${a.schemaVersion ?? "—"}`, h("br"), `telemetry ${a.telemetryContract ?? "—"}`]],
      ["Flags", flags.length === 0 ? "(none)" : h("ul", { class: "flags" }, ...flags.map(([k, v]) => h("li", {}, mono(`${k} = ${JSON.stringify(v)}`))))],
      ["Builder", mono(a.builderId)],
      // serve --signers: named only once the attestation verified (the API sends null otherwise)
      ["Signer", [..."signerName" in m && typeof m.signerName === "string" ? [h("strong", {}, m.signerName), ": "] : [], ...signerText(a.signer)]],
      ["Built", time(a.builtAt)],
      ["Sandbox", sandbox(m.sandbox)],
    ]),
  ];
}

/** How the build's boundary was enforced, from the signed statement; shown only once it verifies (a build without its sandbox fails with BUILD_UNSANDBOXED, listed under Verification). */
function sandbox(recorded: TraceMatch["sandbox"]): Child {
  if (!recorded) return h("span", { class: "muted" }, "shown once the attestation verifies");
  const network = recorded.network === null ? "network not recorded" : `network ${recorded.network ? "on" : "off"}`;
  return h("span", { "data-sandbox": recorded.kind }, recorded.kind === "none" ? badge("no sandbox", "bad") : badge(recorded.kind, "ok"), ` ${network}, reads ${recorded.reads ?? "not recorded"}${recorded.reason ? ` (${recorded.reason})` : ""}`);
}

function verification(m: TraceMatch): Node[] {
  return [
    h("h2", {}, "Verification"),
    h("p", { class: `verdict ${m.verifies ? "ok" : "bad"}`, "data-verifies": String(m.verifies) }, m.verifies ? "✓ The attestation verifies (checked again when this page was opened)." : "✗ The attestation does NOT verify (checked again when this page was opened):"),
    ...(m.verifyFailures.length > 0 ? [h("ul", { class: "failures" }, ...m.verifyFailures.map((f) => h("li", {}, f)))] : []),
  ];
}

function pins(m: TraceMatch): Node[] {
  if (m.pins.length === 0) return [h("h2", {}, "Pinned"), h("p", { class: "muted" }, "Never pinned.")];
  return [
    h("h2", {}, "Pinned"),
    table(
      "Every pin of this artifact",
      ["Environment", "Pin", "When", "By", ""],
      m.pins.map((p) => [link(`/environments/${seg(m.artifact.service)}/${seg(p.env)}`, p.env), `#${p.sequence}`, time(p.pinnedAt), p.actor, h("span", {}, p.current ? badge("running now", "ok") : null, p.matchesSignedPin ? null : badge(`not its signed pin: ${p.rowProblems.join("; ")}`, "bad"), p.rollbackOf ? badge(`rollback of #${p.rollbackOf}`, "warn") : null)]),
      { class: "pins" },
    ),
  ];
}

function rebuilds(c: ArtifactContents): Node[] {
  if (c.rebuilds.length === 0) return [];
  return [
    h("h2", {}, "Rebuilds"),
    table(
      "Recorded rebuilds (bunseal rebuild --store)",
      ["When", "Verdict", "Rebuilt digest", "Bun", "Causes"],
      c.rebuilds.map((r) => [time(r.rebuiltAt), r.reproducible ? badge("reproducible", "ok") : badge("not reproducible", "bad"), r.rebuiltDigest ? mono(`sha256:${r.rebuiltDigest}`) : "—", r.bunVersion, causes(r.causes)]),
      { class: "rebuilds" },
    ),
  ];
}

function causes(list: readonly unknown[]): Child {
  if (list.length === 0) return "—";
  const text = (c: unknown) => (typeof c === "string" ? c : typeof c === "object" && c !== null ? String((c as Record<string, unknown>).summary ?? (c as Record<string, unknown>).message ?? (c as Record<string, unknown>).kind ?? JSON.stringify(c)) : String(c));
  return h("ul", {}, ...list.map((c) => h("li", {}, text(c))));
}

function packages(c: ArtifactContents): Node[] {
  const shipped = c.packages.filter((p) => p.shipped === true);
  const unknown = c.packages.filter((p) => p.shipped === null);
  const rest = c.packages.filter((p) => p.shipped === false);
  const row = (p: ArtifactContents["packages"][number]): Child[] => [link(`/packages/${p.name.split("/").map(seg).join("/")}@${seg(p.version)}`, p.name), p.version, p.integrity ? mono(p.integrity.slice(0, 24) + "…") : "—"];
  return [
    h("h2", {}, "Shipped packages"),
    h("p", { class: "muted" }, `${shipped.length} shipped of ${c.packages.length} locked${unknown.length ? ` (${unknown.length} not known)` : ""}.`),
    shipped.length ? table("Packages whose files went into the artifact", ["Package", "Version", "Integrity"], shipped.map(row), { class: "shipped" }) : h("p", {}, "None."),
    ...(unknown.length ? [table("Locked; the record does not say whether shipped", ["Package", "Version", "Integrity"], unknown.map(row))] : []),
    ...(rest.length ? [h("details", {}, h("summary", {}, `${rest.length} locked but not shipped`), table("Locked, not in the artifact", ["Package", "Version", "Integrity"], rest.map(row)))] : []),
  ];
}

function files(c: ArtifactContents): Node[] {
  const rows = (list: ArtifactContents["files"]) => list.map((f): Child[] => [mono(f.path), mono(`sha256:${f.digest}`)]);
  const shown = table(`Output files (${c.files.length})`, ["Path", "Digest"], rows(c.files.slice(0, FILES_SHOWN)), { class: "files" });
  const nodes: Node[] = [h("h2", {}, "Files"), shown];
  if (c.files.length > FILES_SHOWN) {
    const more = h("button", { type: "button", class: "more" }, `Show all ${c.files.length} files`);
    more.addEventListener("click", () => {
      shown.replaceWith(table(`Output files (${c.files.length})`, ["Path", "Digest"], rows(c.files), { class: "files" }));
      more.remove();
    });
    nodes.push(more);
  }
  return nodes;
}
