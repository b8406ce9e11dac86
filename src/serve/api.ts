/**
 * The console's JSON API: every page's data, and nothing the CLI would not
 * show. Where a CLI command answers the same question, the route calls the
 * same library function and returns the same JSON as its `--json`
 * (`/api/trace/…` is `trace --json`, `/api/pins` is `pins --json`,
 * `/api/packages/…` is `trace --package --json`); the other routes are views
 * the CLI has no single command for (an artifact's files, the matrix).
 *
 * Every path and query parameter comes from the network: each is checked
 * against the shape it must have before it reaches the store, and a digest is
 * only ever a digest (trace() would otherwise hash a server-side file path).
 */
import { BunsealError, isBunsealError } from "../errors.ts";
import { NAME_EXPECTED, NAME_PATTERN } from "../config/names.ts";
import { pinHistory } from "../pin/pin-history.ts";
import { artifactPage } from "../store/pages.ts";
import type { Store } from "../store/store.ts";
import { trace, tracePackage, type TraceMatch, type TraceReport } from "../trace/trace.ts";
import { parseDigest } from "../util/digest.ts";
import type { VerdictCache } from "../trace/verdict-cache.ts";
import { signerName, type SignerNames } from "../signers/names.ts";
import { artifactContents, environmentMatrix, pinTimeline } from "./views.ts";
import { serviceFigures } from "./figures.ts";

/** `unexpected`: an error that is no BunsealError (a bug), for the server's log; the body says only that it happened. */
export type ApiResult = { status: number; body: unknown; unexpected?: unknown };

/** what the console keeps across requests */
export interface ApiContext {
  verdicts?: VerdictCache;
  /** serve --signers: each verified match of a trace gets `signerName`, as trace --signers --json */
  names?: SignerNames;
}

type Handler = (store: Store, rest: string, query: URLSearchParams, context: ApiContext) => Promise<unknown>;

/** `/api/<name>` or `/api/<name>/<rest>` → the handler; `rest` is the decoded remainder of the path. */
const ROUTES: Record<string, { exact?: Handler; nested?: Handler }> = {
  // a file many artifacts share is a page of them (limit, after), each bundle's verdict kept by the record's digest
  trace: { nested: async (store, rest, query, context) => withSignerNames(await trace(store, digestParam(rest, "digest"), { limit: limitParam(query, TRACE_PAGE), after: cursorParam(query, "after"), verdicts: context.verdicts }), context.names) },
  // pins --json exactly: each row checked against its signed pin, with its artifact's commit
  pins: { exact: (store, _rest, query) => pinHistory(store, { env: nameParam(query, "env"), service: nameParam(query, "service") }, []) },
  // the query mirrors trace --package's flags: limit (default 100, as the CLI's), after, shipped-only, count
  packages: {
    nested: (store, rest, query) => {
      const countOnly = flagParam(query, "count");
      if (countOnly && (query.has("limit") || query.has("after"))) throw new BunsealError("USAGE", "count lists nothing: expected it without limit and after", { field: "count", expected: "count alone" });
      return tracePackage(store, packageParam(rest), { limit: countOnly ? undefined : limitParam(query, PACKAGE_PAGE), after: cursorParam(query, "after"), shippedOnly: flagParam(query, "shipped-only"), countOnly });
    },
  },
  artifacts: {
    exact: async (store, _rest, query) => {
      const page = await artifactPage(store, { service: nameParam(query, "service"), limit: limitParam(query), before: cursorParam(query, "before") });
      return { artifacts: page.items, nextCursor: page.nextCursor };
    },
    nested: (store, rest) => artifactContents(store, digestParam(rest, "digest")),
  },
  commits: { nested: async (store, rest) => ({ prefix: commitParam(rest), artifacts: await store.findByCommitPrefix(commitParam(rest), 50) }) },
  environments: { exact: (store) => environmentMatrix(store) },
  timeline: {
    exact: (store, _rest, query) => pinTimeline(store, requiredName(query, "service"), requiredName(query, "env")),
  },
  // a service's verified runtime measurements, oldest first, for the console's chart
  figures: { exact: (store, _rest, query) => serviceFigures(store, requiredName(query, "service")) },
};

/** As trace --signers: a name only for a signer whose attestation verified here (a name labels, it does not vouch). */
function withSignerNames(report: TraceReport, names: SignerNames | undefined): TraceReport | (TraceReport & { matches: (TraceMatch & { signerName: string | null })[] }) {
  if (!names) return report;
  const ref = (s: TraceMatch["artifact"]["signer"]) => (s.kind === "key" ? { keyId: s.keyId } : { identity: s.identity, issuer: s.issuer });
  return { ...report, matches: report.matches.map((m) => ({ ...m, signerName: m.verifies ? (signerName(names, ref(m.artifact.signer)) ?? null) : null })) };
}

/** Answers `/api/…` (the caller has checked the method and the token). */
export async function handleApi(store: Store, url: URL, context: ApiContext = {}): Promise<ApiResult> {
  const path = url.pathname.slice("/api/".length);
  const slash = path.indexOf("/");
  const name = slash === -1 ? path : path.slice(0, slash);
  const route = Object.hasOwn(ROUTES, name) ? ROUTES[name] : undefined;
  const handler = slash === -1 ? route?.exact : route?.nested;
  if (!handler) return { status: 404, body: { error: { code: "NOT_FOUND", message: `no API route ${url.pathname}; expected /api/trace/<digest>, /api/pins, /api/packages/<name>@<version>, /api/artifacts, /api/artifacts/<digest>, /api/commits/<prefix>, /api/environments, /api/timeline or /api/figures` } } };
  try {
    let rest: string;
    try {
      rest = slash === -1 ? "" : decodeURIComponent(path.slice(slash + 1));
    } catch {
      throw new BunsealError("USAGE", `${url.pathname}: expected a percent-encoded path`, { field: "path" });
    }
    return { status: 200, body: await handler(store, rest, url.searchParams, context) };
  } catch (error) {
    return errorResult(error);
  }
}

/**
 * The CLI's `--json` error object, with an HTTP status for its kind. An error
 * that is no BunsealError is a bug: the client is told so, not the details
 * (a stack or a SQL message says more about the server than a reader needs).
 */
export function errorResult(error: unknown): ApiResult {
  if (!isBunsealError(error)) return { status: 500, body: { error: { code: "INTERNAL", message: "internal error in bunseal's console; the server's log says more" } }, unexpected: error };
  const status = error.code === "NOT_FOUND" ? 404 : error.kind === "input" ? 400 : error.kind === "rejected" ? 422 : 503;
  return { status, body: { error: error.toJSON() } };
}

/** A digest or a short one: 12 to 64 hex, with or without `sha256:` (trace resolves a prefix against the store). */
function digestParam(text: string, field: string): string {
  // refused rather than passed on: trace() treats a non-digest as a path to hash on this machine
  if (!/^(?:sha256:)?[0-9a-f]{12,64}$/i.test(text)) throw new BunsealError("USAGE", `${field}: expected sha256:<64 hex>, 64 hex characters, or a unique prefix of 12 or more, got ${JSON.stringify(text.slice(0, 80))}`, { field, expected: "sha256:<hex>" });
  return text;
}

function nameParam(query: URLSearchParams, field: string): string | undefined {
  const value = query.get(field);
  if (value === null || value === "") return undefined;
  if (!NAME_PATTERN.test(value)) throw new BunsealError("NAME_INVALID", `${field}: expected ${NAME_EXPECTED}, got ${JSON.stringify(value.slice(0, 120))}`, { field, expected: NAME_EXPECTED });
  return value;
}

function requiredName(query: URLSearchParams, field: string): string {
  const value = nameParam(query, field);
  if (value === undefined) throw new BunsealError("USAGE", `${field}: expected ${NAME_EXPECTED}, got nothing`, { field, expected: NAME_EXPECTED });
  return value;
}

// a version or a range after @: `<4.13.0`, `>=4.12.0 <4.13.0 || 5.x` (trace --package checks its grammar)
const PACKAGE_SPEC = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9._~-][a-z0-9._~-]*(?:@[^@/\n]{1,100})?$/i;

function packageParam(spec: string): string {
  if (spec.length > 250 || !PACKAGE_SPEC.test(spec)) throw new BunsealError("USAGE", `package: expected NAME or NAME@VERSION (an npm package name), got ${JSON.stringify(spec.slice(0, 120))}`, { field: "package", expected: "NAME[@VERSION]" });
  return spec;
}

function commitParam(prefix: string): string {
  if (!/^[0-9a-f]{7,64}$/i.test(prefix)) throw new BunsealError("USAGE", `commit: expected 7 to 64 hex characters of a commit, got ${JSON.stringify(prefix.slice(0, 80))}`, { field: "commit", expected: "a commit prefix" });
  return prefix.toLowerCase();
}

export const MAX_PAGE = 200;

/** a trace by a file: each match's bundle verified (or its verdict kept), so a page a responder reads, not all */
const TRACE_PAGE = 10;

/** trace --package's default page */
const PACKAGE_PAGE = 100;

function limitParam(query: URLSearchParams, fallback = 50): number {
  const text = query.get("limit");
  if (text === null || text === "") return fallback;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new BunsealError("USAGE", `limit: expected a whole number from 1 to ${MAX_PAGE}, got ${JSON.stringify(text.slice(0, 20))}`, { field: "limit", expected: `1..${MAX_PAGE}` });
  return limit;
}

/** `?name`, `?name=1` or `?name=true`: on; absent, `0` or `false`: off; anything else is refused rather than guessed */
function flagParam(query: URLSearchParams, field: string): boolean {
  const value = query.get(field);
  if (value === null || value === "0" || value === "false") return false;
  if (value === "" || value === "1" || value === "true") return true;
  throw new BunsealError("USAGE", `${field}: expected 1 or 0, got ${JSON.stringify(value.slice(0, 20))}`, { field, expected: "1 or 0" });
}

function cursorParam(query: URLSearchParams, field: string): string | undefined {
  const value = query.get(field);
  if (value === null || value === "") return undefined;
  if (value.length > 200) throw new BunsealError("USAGE", `${field}: expected a cursor from a previous page, got ${value.length} characters`, { field });
  return value;
}
