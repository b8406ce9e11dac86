/**
 * The front-end, bundled by Bun from an HTML import (src/serve/console/),
 * taken whole into memory once at start-up.
 *
 * Bun bundles an HTML import when a Bun.serve route serves it, but such a
 * route answers every method and cannot carry our headers (CSP, nosniff).
 * So the bundle is served once by a private server on the loopback address
 * with a port of its own, read back (the page and every file it names), and
 * that server is stopped; the console then serves the copies itself, with
 * its headers and its methods. The bundle is static: it holds no data.
 */
import type { HTMLBundle } from "bun";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { BUNDLE_DIR } from "../release/own-script.ts";

export interface Asset {
  body: Uint8Array;
  contentType: string;
  /** Bun's content-hashed chunk names never change content: cache them for good */
  immutable: boolean;
}

/** What an HTML import is in a bundle built for Bun (the package's, src/release/): a manifest of files Bun wrote beside it. */
interface BundledPage {
  index: string;
  files: { path: string; headers: Record<string, string> }[];
}

export async function snapshotBundle(page: HTMLBundle): Promise<Map<string, Asset>> {
  const manifest = page as unknown as Partial<BundledPage>;
  if (BUNDLE_DIR !== undefined && typeof manifest.index === "string" && Array.isArray(manifest.files)) return bundledAssets(manifest as BundledPage, BUNDLE_DIR);
  const bundler = Bun.serve({ hostname: "127.0.0.1", port: 0, development: false, routes: { "/": page }, fetch: () => new Response("not found", { status: 404 }) });
  try {
    const assets = new Map<string, Asset>();
    const queue = ["/"];
    while (queue.length > 0) {
      const path = queue.shift()!;
      if (assets.has(path)) continue;
      const response = await fetch(new URL(path, bundler.url));
      if (!response.ok) throw new Error(`the console's bundle names ${path}, which Bun's bundler answered with ${response.status}`);
      const body = new Uint8Array(await response.arrayBuffer());
      const contentType = response.headers.get("content-type") ?? "application/octet-stream";
      assets.set(path, { body, contentType, immutable: path !== "/" });
      if (/^text\/(html|css)/.test(contentType)) queue.push(...referencedPaths(new TextDecoder().decode(body)));
    }
    return assets;
  } finally {
    bundler.stop(true);
  }
}

/** Same-origin files an HTML page or a stylesheet loads (a script's or link's `src=`/`href=`, CSS `url(…)`); not the page's links. */
function referencedPaths(text: string): string[] {
  const paths: string[] = [];
  for (const m of text.matchAll(/<(?:script|link|img)\b[^>]*?\b(?:src|href)="(\/[^"#?]*)"|url\(\s*["']?(\/[^"')#?]*)/g)) paths.push(m[1] ?? m[2]!);
  return paths.filter((p) => !p.startsWith("//"));
}

/**
 * The console's files as the package's bundle carries them, read from its folder. Not through
 * Bun.serve: Bun 1.4.5 looks for a bundled page's files relative to the working directory, not
 * the bundle ("Bundled file ./chunk-….js not found" anywhere but dist/). The page names them
 * relative to itself (`./chunk-….js`), which from a nested route (/artifacts/…) is another path:
 * they are named from the root instead, as the page served from src/ names its own.
 */
function bundledAssets(page: BundledPage, dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  let index: { body: string; contentType: string } | undefined;
  const names: string[] = [];
  for (const file of page.files) {
    const name = basename(file.path);
    const contentType = file.headers["content-type"] ?? "application/octet-stream";
    const body = readFileSync(join(dir, name));
    if (file.path === page.index) index = { body: new TextDecoder().decode(body), contentType };
    else {
      names.push(name);
      assets.set(`/${name}`, { body, contentType, immutable: true });
    }
  }
  if (!index) throw new Error(`the console's bundled manifest names ${page.index} as its page but lists no such file`);
  const html = names.reduce((text, name) => text.replaceAll(`"./${name}"`, `"/${name}"`), index.body);
  assets.set("/", { body: new TextEncoder().encode(html), contentType: index.contentType, immutable: false });
  return assets;
}
