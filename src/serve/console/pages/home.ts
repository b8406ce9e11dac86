/** The start page: search, the drop zone, and the newest artifacts. */
import type { ArtifactSummary } from "../../../store/store.ts";
import { getJson, seg } from "../api.ts";
import { h } from "../dom.ts";
import { sha256OfFile } from "../hash-file.ts";
import { artifactTable } from "./common.ts";

export interface Navigate {
  (path: string): void;
}

export function searchForm(navigate: Navigate, value = ""): HTMLElement {
  const input = h("input", { id: "q", name: "q", type: "search", autocomplete: "off", spellcheck: "false", placeholder: "sha256:…, 3f9c2a1, hono@4.13.19", "aria-describedby": "q-hint" });
  input.value = value;
  const form = h(
    "form",
    { class: "search", role: "search", action: "/search" },
    h("div", {}, h("label", { for: "q" }, "Digest, commit prefix or name@version"), input, h("p", { id: "q-hint", class: "hint" }, "An artifact or file digest, the start of a commit hash, a package (name@version), or a service name.")),
    h("button", { type: "submit" }, "Search"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim() !== "") navigate(`/search?q=${seg(input.value.trim())}`);
  });
  return form;
}

/**
 * A file dropped (or chosen) here is hashed in the browser and traced by its
 * digest; its bytes never leave the page.
 */
export function dropZone(navigate: Navigate, say: (text: string) => void): HTMLElement {
  const input = h("input", { id: "file", type: "file", "aria-describedby": "file-hint" });
  const zone = h(
    "label",
    { class: "dropzone", for: "file" },
    h("strong", {}, "Drop a file here, or choose one"),
    h("br"),
    h("span", { id: "file-hint" }, "An artifact tar or any file from inside one. It is hashed in this browser (SHA-256) and never uploaded; only its digest is looked up."),
    input,
  );
  const trace = async (file: File | undefined) => {
    if (!file) return;
    say(`Hashing ${file.name} in the browser…`);
    const hex = await sha256OfFile(file);
    navigate(`/search?q=${seg(`sha256:${hex}`)}&file=${seg(file.name)}`);
  };
  input.addEventListener("change", () => void trace(input.files?.[0]));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    void trace(event.dataTransfer?.files[0]);
  });
  return zone;
}

export async function homePage(navigate: Navigate, say: (text: string) => void): Promise<Node[]> {
  const recent = await getJson<{ artifacts: ArtifactSummary[] }>("/api/artifacts?limit=20");
  return [h("h1", {}, "Where did this come from?"), searchForm(navigate), dropZone(navigate, say), h("h2", {}, "Newest artifacts"), artifactTable("The 20 newest artifacts in the store", recent.artifacts)];
}
