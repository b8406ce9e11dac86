/** Pieces more than one page shows: a list of artifacts, a signer, a pin place. */
import type { ArtifactSummary } from "../../../store/store.ts";
import type { PinPlace } from "../../../trace/trace.ts";
import { seg } from "../api.ts";
import { badge, h, link, mono, shortDigest, table, time, type Child } from "../dom.ts";

export const artifactPath = (hex: string) => `/artifacts/sha256:${seg(hex)}`;

export function artifactTable(caption: string, artifacts: readonly (ArtifactSummary & { packageVersion?: string })[], extra?: { header: string; cell: (a: ArtifactSummary & { packageVersion?: string }) => Child }): HTMLElement {
  if (artifacts.length === 0) return h("p", { class: "muted" }, `${caption}: none.`);
  const headers = ["Artifact", "Service", "Commit", "Built", ...(extra ? [extra.header] : [])];
  return table(
    caption,
    headers,
    artifacts.map((a) => [link(artifactPath(a.digest), a.name), a.service, mono(a.commit.slice(0, 12)), time(a.builtAt), ...(extra ? [extra.cell(a)] : [])]),
  );
}

export function signerText(signer: ArtifactSummary["signer"]): Child[] {
  return signer.kind === "key" ? ["key ", mono(signer.keyId)] : [signer.identity, " ", badge("keyless"), h("br"), h("span", { class: "muted" }, "issuer "), signer.issuer];
}

export function runningIn(pins: readonly PinPlace[]): Child[] {
  const now = pins.filter((p) => p.current);
  return now.length === 0 ? [h("span", { class: "muted" }, "not running anywhere")] : now.map((p) => badge(`running in ${p.env}`, "ok"));
}

export { shortDigest };
