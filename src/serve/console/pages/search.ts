/** What a search finds: an artifact (shown as its page), a file in artifacts, a commit, a package, a service. */
import type { ArtifactSummary } from "../../../store/store.ts";
import type { TraceReport } from "../../../trace/trace.ts";
import { ApiError, getJson, seg } from "../api.ts";
import { classify } from "../classify.ts";
import { badge, h, link, mono } from "../dom.ts";
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
    const shown = query.full ? `sha256:${query.hex}` : `sha256:${query.hex}…`;
    try {
      report = await getJson<TraceReport>(`/api/trace/sha256:${query.hex}`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // a prefix two digests start: the API's message lists them
      if (error.code === "DIGEST_AMBIGUOUS") return [form, h("h1", {}, "More than one digest starts ", mono(shown)), h("p", { class: "notfound" }, error.message)];
      if (error.status !== 404) throw error;
      // no digest starts so: a commit is the other thing this can be (never when sha256: was typed)
      const commits = query.orCommit ? await getJson<{ artifacts: ArtifactSummary[] }>(`/api/commits/${query.hex}`) : { artifacts: [] };
      if (commits.artifacts.length > 0) return [form, h("h1", {}, "Commit ", mono(query.full ? query.hex : `${query.hex}…`)), h("p", { class: "muted" }, "No artifact or file digest starts so; these artifacts were built from a commit that does."), artifactTable("Artifacts built from this commit", commits.artifacts)];
      return [form, h("h1", {}, "Not found"), h("p", { class: "notfound" }, dropped ? `${dropped} (sha256:${query.hex}) is neither an artifact nor a file of one in this store.` : `${error.message}${query.orCommit ? " No commit starts so either." : ""}`)];
    }
    const digest = report.target.digest;
    if (report.target.kind === "artifact") return artifactPage(digest, report);
    const total = report.count ?? report.matches.length;
    const heading = dropped ? [dropped, " is a file in ", String(total), " artifact(s)"] : [mono(`sha256:${digest}`), " is a file in ", String(total), " artifact(s)"];
    const item = (m: TraceReport["matches"][number]) =>
      h("li", {}, link(artifactPath(m.artifact.digest), m.artifact.name), " as ", mono(m.file ?? "?"), " — ", m.artifact.service, " at ", mono(m.artifact.commit.slice(0, 12)), " ", m.verifies ? badge("verifies", "ok") : badge("does not verify", "bad"), " ", ...runningIn(m.pins));
    const list = h("ul", { class: "file-matches" }, ...report.matches.map(item));
    const nodes: Node[] = [form, h("h1", {}, ...heading), h("p", { class: "muted" }, "sha256:", digest, report.matches.length < total ? ` — newest ${report.matches.length} first` : ""), list];
    let cursor = report.nextCursor ?? null;
    if (cursor) {
      const more = h("button", { type: "button", class: "more" }, "Next page");
      more.addEventListener("click", async () => {
        const next = await getJson<TraceReport>(`/api/trace/sha256:${seg(digest)}?after=${seg(cursor!)}`);
        for (const m of next.matches) list.append(item(m));
        cursor = next.nextCursor ?? null;
        if (!cursor) more.remove();
      });
      nodes.push(more);
    }
    return nodes;
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
