/**
 * The console's front-end: plain DOM, routed by path (history API), every
 * page built from GET /api/… answers. The page itself holds no data, so it
 * is served without the token; the API is what the token guards.
 */
import { ApiError, takeTokenFromFragment } from "./api.ts";
import { h } from "./dom.ts";
import { artifactPage } from "./pages/artifact.ts";
import { matrixPage, timelinePage } from "./pages/environments.ts";
import { figuresPage } from "./pages/figures.ts";
import { homePage } from "./pages/home.ts";
import { packagePage } from "./pages/package.ts";
import { searchPage } from "./pages/search.ts";

const main = document.getElementById("main")!;
const status = document.getElementById("status")!;

function say(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle("error", error);
}

function navigate(path: string): void {
  history.pushState(null, "", path);
  void render(true);
}

type Page = (match: RegExpExecArray, params: URLSearchParams) => Promise<Node[]>;

const PAGES: [RegExp, string, Page][] = [
  [/^\/$/, "Search", () => homePage(navigate, (t) => say(t))],
  [/^\/search$/, "Search", (_m, params) => searchPage(params, navigate)],
  [/^\/artifacts\/(?:sha256:|sha256%3A)([0-9a-f]{64})$/i, "Artifact", (m) => artifactPage(m[1]!.toLowerCase())],
  [/^\/environments$/, "Environments", () => matrixPage()],
  [/^\/environments\/([^/]+)\/([^/]+)$/, "Environments", (m) => timelinePage(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!))],
  [/^\/packages\/(.+)$/, "Package", (m) => packagePage(decodeURIComponent(m[1]!))],
  [/^\/services\/([^/]+)\/figures$/, "Environments", (m) => figuresPage(decodeURIComponent(m[1]!))],
];

let rendering = 0;

async function render(moveFocus: boolean): Promise<void> {
  const ticket = ++rendering;
  const found = PAGES.map(([re, section, page]) => [re.exec(location.pathname), section, page] as const).find(([m]) => m !== null);
  for (const a of document.querySelectorAll<HTMLAnchorElement>("header nav a")) {
    if (found && a.textContent === found[1]) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  say("Loading…");
  let nodes: Node[];
  try {
    nodes = found ? await found[2](found[0]!, new URLSearchParams(location.search)) : [h("h1", {}, "Not found"), h("p", {}, "No console page at this address.")];
    if (ticket !== rendering) return; // a newer navigation won
    say("");
  } catch (error) {
    if (ticket !== rendering) return;
    const message = error instanceof ApiError ? `${error.code}: ${error.message}` : `The console failed: ${(error as Error).message}`;
    nodes = [h("h1", {}, error instanceof ApiError && error.status === 404 ? "Not found" : "Could not load this page"), h("p", { class: "error-message" }, message)];
    say(message, true);
  }
  main.replaceChildren(...nodes);
  const heading = main.querySelector("h1");
  document.title = heading ? `${heading.textContent} · bunseal` : "bunseal console";
  if (moveFocus) main.focus();
}

document.addEventListener("click", (event) => {
  const a = (event.target as Element | null)?.closest?.("a[data-nav]") as HTMLAnchorElement | null;
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(a.getAttribute("href")!);
});
window.addEventListener("popstate", () => void render(true));

takeTokenFromFragment();
void render(false);
