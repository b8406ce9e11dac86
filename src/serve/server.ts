/**
 * `bunseal serve`: a read-only web console over the store. One Bun.serve:
 * the page (Bun's bundle of console/index.html, see assets.ts) at every page
 * path, and the JSON API under /api/. Only GET and HEAD exist; nothing here
 * writes to the store.
 */
import type { Server } from "bun";
import { BunsealError } from "../errors.ts";
import type { Store } from "../store/store.ts";
import { handleApi } from "./api.ts";
import { snapshotBundle, type Asset } from "./assets.ts";
import page from "./console/index.html";
import { bearerMatches, loopbackHostAllowed, SECURITY_HEADERS } from "./security.ts";
import { isLoopback } from "./listen.ts";
import { VerdictCache } from "../trace/verdict-cache.ts";
import type { SignerNames } from "../signers/names.ts";

export interface ConsoleOptions {
  store: Store;
  hostname: string;
  port: number;
  /** required by the caller for a non-loopback hostname (listen.ts checkExposure); every API request must then bear it */
  token?: string;
  /** the verdicts of stored bundles, kept across requests (default: a new cache for this console) */
  verdicts?: VerdictCache;
  /** names for signers (serve --signers): the artifact page names a signer whose attestation verified */
  names?: SignerNames;
  /** told about a request that failed with an error no BunsealError describes (the client gets a plain 500) */
  onError?: (error: unknown, request: Request) => void;
}

export interface Console {
  url: URL;
  server: Server<undefined>;
  stop(): Promise<void>;
}

/** Paths the front-end routes itself (history API); each gets the same page. */
const PAGE_PATHS = /^\/(?:|search|environments(?:\/[^/]+\/[^/]+)?|artifacts\/[^/]+|packages\/.+|services\/[^/]+\/figures)$/;

export async function startConsole(options: ConsoleOptions): Promise<Console> {
  const assets = await snapshotBundle(page);
  const index = assets.get("/")!;
  const { store, token } = options;
  const checkHost = token === undefined && isLoopback(options.hostname);
  const verdicts = options.verdicts ?? new VerdictCache();

  const server = listen({
    hostname: options.hostname,
    port: options.port,
    development: false,
    async fetch(request) {
      const started = performance.now();
      // HTTP/1.0 may leave Host out, and Bun then hands over a URL that does not parse: a client's
      // omission, answered as one (it was a 500) and before anything reads the URL
      const url = request.headers.get("host") === null ? undefined : URL.parse(request.url) ?? undefined;
      let response: Response;
      if (url === undefined) response = plain(400, "expected a Host header (HTTP/1.1 requires one; send it with HTTP/1.0 too)");
      else if (request.method !== "GET" && request.method !== "HEAD") response = plain(405, "read-only: only GET and HEAD", { allow: "GET, HEAD" });
      else if (checkHost && !loopbackHostAllowed(request.headers.get("host"), server.port!)) response = plain(421, "this console answers to its loopback address only");
      else if (url.pathname.startsWith("/api/")) {
        if (token !== undefined && !bearerMatches(request.headers.get("authorization"), token)) {
          response = json(401, { error: { code: "USAGE", message: "expected Authorization: Bearer <token> (the token bunseal serve was started with)" } }, { "www-authenticate": 'Bearer realm="bunseal"' });
        } else {
          const result = await handleApi(store, url, { verdicts, names: options.names });
          if (result.unexpected !== undefined) options.onError?.(result.unexpected, request);
          response = json(result.status, result.body, { "server-timing": `app;dur=${(performance.now() - started).toFixed(2)}` });
        }
      } else if (PAGE_PATHS.test(url.pathname)) response = asset(index);
      else {
        const file = assets.get(url.pathname);
        response = file ? asset(file) : plain(404, "not found");
      }
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
      return request.method === "HEAD" ? new Response(null, { status: response.status, headers: response.headers }) : response;
    },
    error(error) {
      options.onError?.(error, new Request("http://unknown/"));
      return plain(500, "internal error");
    },
  });
  return {
    url: server.url,
    server,
    async stop() {
      await server.stop(true);
    },
  };
}

/** Bun.serve, with a failure to bind (address in use, not ours to bind) as the environment problem it is. */
function listen(options: Parameters<typeof Bun.serve<undefined>>[0] & { hostname: string; port: number }): Server<undefined> {
  try {
    return Bun.serve(options);
  } catch (cause) {
    throw new BunsealError("IO_FAILED", `could not listen on ${options.hostname}:${options.port}: expected a free address this user may bind, got ${(cause as Error).message}`, { field: "--listen", expected: "a free address", cause });
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers } });
}

function plain(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });
}

function asset(file: Asset): Response {
  return new Response(file.body, { headers: { "content-type": file.contentType, "cache-control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache" } });
}
