/** "Are we running the vulnerable version anywhere?": `trace --package` on a page. */
import type { PackageTrace } from "../../../trace/trace.ts";
import { getJson } from "../api.ts";
import { h } from "../dom.ts";
import { artifactTable, runningIn } from "./common.ts";

export async function packagePage(spec: string): Promise<Node[]> {
  // the package name is a path below /api/packages/, scoped names keep their slash
  const report = await getJson<PackageTrace>(`/api/packages/${spec.split("/").map(encodeURIComponent).join("/")}`);
  const label = `${report.package.name}${report.package.version ? `@${report.package.version}` : ""}`;
  const running = report.matches.filter((m) => m.pins.some((p) => p.current)).length;
  const byDigest = new Map(report.matches.map((m) => [m.artifact.digest, m]));
  return [
    h("h1", {}, label),
    h("p", { class: "summary" }, `Shipped in ${report.matches.length} artifact(s); ${running} of them running now.`),
    artifactTable(
      `Artifacts that shipped ${label}`,
      report.matches.map((m) => ({ ...m.artifact, packageVersion: m.packageVersion })),
      { header: "Version · where", cell: (a) => h("span", {}, a.packageVersion ?? "", " ", ...runningIn(byDigest.get(a.digest)?.pins ?? [])) },
    ),
  ];
}
