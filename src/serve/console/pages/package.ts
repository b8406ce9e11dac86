/** "Are we running the vulnerable version anywhere?": `trace --package` on a page, shipped ones first, a page at a time. */
import type { PackageTrace } from "../../../trace/trace.ts";
import { getJson, seg } from "../api.ts";
import { badge, h } from "../dom.ts";
import { artifactTable, runningIn } from "./common.ts";

export async function packagePage(spec: string): Promise<Node[]> {
  // the package name is a path below /api/packages/; a scoped name keeps its slash
  const path = `/api/packages/${spec.split("/").map(encodeURIComponent).join("/")}`;
  const first = await getJson<PackageTrace>(path);
  const label = `${first.package.name}${first.package.version ? `@${first.package.version}` : ""}`;
  const rows = (report: PackageTrace) =>
    artifactTable(
      `Artifacts that locked ${label}, the ones that shipped it first`,
      (report.matches ?? []).map((m) => ({ ...m.artifact, packageVersion: m.packageVersion, shipped: m.shipped, pins: m.pins })),
      { header: "Version · shipped · where", cell: (a) => { const m = a as typeof a & { shipped: boolean | null; pins: Parameters<typeof runningIn>[0] }; return h("span", {}, a.packageVersion ?? "", " ", m.shipped === true ? badge("shipped", "bad") : m.shipped === false ? badge("locked only") : badge("unknown"), " ", ...runningIn(m.pins)); } },
    );
  // locked, but in no version the range matches: said so, not "Locked by 0"
  const outside = first.versions && first.versions.locked.length > 0 && first.versions.matched.length === 0;
  const summary = outside ? `${first.package.name} is locked, no version matches ${first.package.version} (locked: ${first.versions!.locked.join(", ")}).` : `Locked by ${first.count.artifacts} artifact(s); shipped in ${first.count.shipped}${first.versions ? ` (versions ${first.versions.matched.join(", ")})` : ""}.`;
  const nodes: Node[] = [h("h1", {}, label), h("p", { class: "summary" }, summary), rows(first)];
  let cursor = first.nextCursor ?? null;
  if (cursor) {
    const more = h("button", { type: "button", class: "more" }, "Next page");
    more.addEventListener("click", async () => {
      const next = await getJson<PackageTrace>(`${path}?after=${seg(cursor!)}`);
      more.before(rows(next));
      cursor = next.nextCursor ?? null;
      if (!cursor) more.remove();
    });
    nodes.push(more);
  }
  return nodes;
}
