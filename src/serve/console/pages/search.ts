/** What a search finds: an artifact (shown as its page), a file in artifacts, a commit, a package, a service. */
import type { ArtifactSummary } from "../../../store/store.ts";
import type { TraceReport } from "../../../trace/trace.ts";
import { ApiError, getJson, seg } from "../api.ts";
import { classify } from "../classify.ts";
import { h, link, mono } from "../dom.ts";
import { artifactPage } from "./artifact.ts";
import { artifactPath, artifactTable, runningIn } from "./common.ts";
import { searchForm, type Navigate } from "./home.ts";
import { packagePage } from "./package.ts";

export async function searchPage(params: URLSearchParams, navigate: Navigate): Promise<Node[]> {
  const q = params.get("q") ?? "";
  const dropped = params.get("file");
  const query = classify(q);
  const form = searchForm(navigate, q);
  if (query.kind === "digest") {
    let report: TraceReport;
    try {
      report = await getJson<TraceReport>(`/api/trace/sha256:${query.hex}`);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      // a 64-hex commit (a SHA-256 repository) is the other thing this can be
      const commits = await getJson<{ artifacts: ArtifactSummary[] }>(`/api/commits/${query.hex}`);
      if (commits.artifacts.length > 0) return [form, h("h1", {}, "Commit ", mono(query.hex)), artifactTable("Artifacts built from this commit", commits.artifacts)];
      return [form, h("h1", {}, "Not found"), h("p", { class: "notfound" }, dropped ? `${dropped} (sha256:${query.hex}) is neither an artifact nor a file of one in this store.` : error.message)];
    }
    if (report.target.kind === "artifact") return artifactPage(query.hex, report);
    const heading = dropped ? [dropped, " is a file in ", String(report.matches.length), " artifact(s)"] : [mono(`sha256:${query.hex}`), " is a file in ", String(report.matches.length), " artifact(s)"];
    return [
      form,
      h("h1", {}, ...heading),
      h("p", { class: "muted" }, "sha256:", query.hex),
      h(
        "ul",
        { class: "file-matches" },
        ...report.matches.map((m) => h("li", {}, link(artifactPath(m.artifact.digest), m.artifact.name), " as ", mono(m.file ?? "?"), " — ", m.artifact.service, " at ", mono(m.artifact.commit.slice(0, 12)), " ", ...runningIn(m.pins))),
      ),
    ];
  }
  if (query.kind === "commit") {
    const found = await getJson<{ artifacts: ArtifactSummary[] }>(`/api/commits/${seg(query.prefix)}`);
    return [form, h("h1", {}, "Commit ", mono(`${query.prefix}…`)), artifactTable(`Artifacts built from commits starting ${query.prefix}`, found.artifacts)];
  }
  if (query.kind === "package") return [form, ...(await packagePage(query.spec))];
  if (query.kind === "service") {
    const found = await getJson<{ artifacts: ArtifactSummary[] }>(`/api/artifacts?service=${seg(query.name)}&limit=50`);
    return [form, h("h1", {}, "Service ", query.name), artifactTable(`The 50 newest artifacts of ${query.name}`, found.artifacts)];
  }
  return [form, h("h1", {}, "Nothing to search for"), h("p", {}, "Expected a digest (sha256:<64 hex>), a commit prefix, name@version or a service name; got ", mono(q), ".")];
}
