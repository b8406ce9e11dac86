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

export interface Asset {
  body: Uint8Array;
  contentType: string;
  /** Bun's content-hashed chunk names never change content: cache them for good */
  immutable: boolean;
}

export async function snapshotBundle(page: HTMLBundle): Promise<Map<string, Asset>> {
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
