/**
 * The console's defences, each test named after what it stops. Synthetic
 * records (test/store/records.ts) in a real SQLite store; no build needed.
 * The probes read /api/artifacts: /api/pins checks each row against its
 * signed pin, and these pins are made up.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { checkExposure, isLoopback, parseListen } from "../../src/serve/listen.ts";
import { bearerMatches, loopbackHostAllowed } from "../../src/serve/security.ts";
import { startConsole, type Console } from "../../src/serve/server.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";
import { BunsealError } from "../../src/errors.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { artifact, chainPin } from "../store/records.ts";

function expectBunsealError(run: () => unknown, code: string, message?: RegExp): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(BunsealError);
  expect((thrown as BunsealError).code).toBe(code as BunsealError["code"]);
  if (message) expect((thrown as BunsealError).message).toMatch(message);
}

const TOKEN = "s3cret-token-of-32-characters-ok";
let dir: TestDir;
let store: Store;
let open: Console;
let guarded: Console;

beforeAll(async () => {
  dir = await makeTempDir("bunseal-serve-sec-");
  store = await openStore(`sqlite:${join(dir.path, "store.db")}`);
  await store.putArtifact(artifact("api/prod:1"));
  await store.appendPin(chainPin("api", "prod", 1));
  open = await startConsole({ store, hostname: "127.0.0.1", port: 0 });
  guarded = await startConsole({ store, hostname: "127.0.0.1", port: 0, token: TOKEN });
});
afterAll(async () => {
  await open?.stop();
  await guarded?.stop();
  await store?.close();
  await dir?.cleanup();
});

test("refuses a non-loopback address without a token, and a short token", () => {
  expectBunsealError(() => checkExposure(parseListen("0.0.0.0:7420"), undefined), "USAGE", /expected a loopback address .* or --token TOKEN/);
  expectBunsealError(() => checkExposure(parseListen("[::]:7420"), undefined), "USAGE");
  expectBunsealError(() => checkExposure(parseListen("10.0.0.5:80"), "short"), "USAGE", /at least 16 characters, got 5/);
  expect(() => checkExposure(parseListen("0.0.0.0:7420"), TOKEN)).not.toThrow();
  for (const host of ["127.0.0.1", "127.8.9.10", "::1", "localhost"]) expect(isLoopback(host)).toBe(true);
  for (const host of ["0.0.0.0", "::", "10.0.0.1", "localhost.evil.example", "127.0.0.1.evil.example", "128.0.0.1"]) expect(isLoopback(host)).toBe(false);
  expect(parseListen(undefined)).toEqual({ hostname: "127.0.0.1", port: 7420 });
  expect(parseListen("[::1]:0")).toEqual({ hostname: "::1", port: 0 });
  expectBunsealError(() => parseListen("127.0.0.1"), "USAGE", /expected HOST:PORT/);
  expectBunsealError(() => parseListen("127.0.0.1:70000"), "USAGE", /above 65535/);
});

test("rejects every method that is not GET or HEAD (no writes, no CORS preflight)", async () => {
  for (const method of ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
    for (const path of ["/", "/api/pins", `/api/trace/sha256:${"0".repeat(64)}`]) {
      const response = await fetch(new URL(path, open.url), { method, body: method === "OPTIONS" ? undefined : "{}" });
      expect([method, path, response.status]).toEqual([method, path, 405]);
      expect(response.headers.get("allow")).toBe("GET, HEAD");
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    }
  }
  expect((await fetch(new URL("/api/artifacts", open.url), { method: "HEAD" })).status).toBe(200);
});

test("rejects an API request without the bearer token, or with a wrong one", async () => {
  const api = new URL("/api/artifacts", guarded.url);
  expect((await fetch(api)).status).toBe(401);
  expect((await fetch(api)).headers.get("www-authenticate")).toBe('Bearer realm="bunseal"');
  expect((await fetch(api, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
  expect((await fetch(api, { headers: { authorization: `Basic ${btoa(`u:${TOKEN}`)}` } })).status).toBe(401);
  // the token in the query string is not a way in (URLs end up in logs)
  expect((await fetch(new URL(`/api/artifacts?token=${TOKEN}`, guarded.url))).status).toBe(401);
  const ok = await fetch(api, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(ok.status).toBe(200);
  expect(((await ok.json()) as { artifacts: unknown[] }).artifacts).toHaveLength(1);
  expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
  expect(bearerMatches(`Bearer ${TOKEN.slice(0, -1)}`, TOKEN)).toBe(false);
  expect(bearerMatches(null, TOKEN)).toBe(false);
});

test("serves the page without the token, and the page carries no data", async () => {
  const page = await fetch(guarded.url);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).not.toContain(artifact("api/prod:1").digest);
  expect(html).not.toContain("api/prod");
});

test("rejects a DNS-rebinding page: a loopback console answers only to loopback Host names", async () => {
  const port = open.url.port;
  for (const host of ["evil.example", `evil.example:${port}`, `127.0.0.1.evil.example:${port}`]) {
    const response = await fetch(new URL("/api/artifacts", open.url), { headers: { host } });
    expect([host, response.status]).toEqual([host, 421]);
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) expect((await fetch(new URL("/api/artifacts", open.url), { headers: { host } })).status).toBe(200);
  expect(loopbackHostAllowed(`[::1]:${port}`, Number(port))).toBe(true);
  expect(loopbackHostAllowed(`127.0.0.1:${Number(port) + 1}`, Number(port))).toBe(false);
});

test("refuses a server-side path where a digest belongs: the console never reads its own files", async () => {
  // (a short digest, 12 to 63 hex, is one since issue 20: resolved against the store, never a path)
  for (const target of ["%2Fetc%2Fpasswd", "..%2F..%2Fpackage.json", "package.json", `sha256:${"0".repeat(11)}`, `sha256:${"0".repeat(65)}`, `%20${"0".repeat(64)}`, "0123456789ab.js"]) {
    const response = await fetch(new URL(`/api/trace/${target}`, open.url));
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect([target, response.status, body.error.code]).toEqual([target, 400, "USAGE"]);
    expect(body.error.message).toContain("expected sha256:<64 hex>");
  }
});

test("checks every query parameter's shape before the store sees it", async () => {
  const status = async (path: string) => (await fetch(new URL(path, open.url))).status;
  expect(await status("/api/pins?env=../../x")).toBe(400);
  expect(await status("/api/artifacts?service=%3Cscript%3E")).toBe(400);
  expect(await status("/api/artifacts?limit=100000")).toBe(400);
  expect(await status("/api/artifacts?before=garbage")).toBe(400);
  expect(await status("/api/commits/xyz")).toBe(400);
  expect(await status("/api/packages/a%20b")).toBe(400);
  expect(await status("/api/timeline?service=api")).toBe(400);
  expect(await status("/api/nothing")).toBe(404);
  expect(await status("/api/__proto__")).toBe(404);
  expect(await status("/nothing")).toBe(404);
});

test("sends a CSP without inline script, nosniff and no CORS on every response; the page has no inline script", async () => {
  for (const path of ["/", "/environments", "/api/pins", "/nothing"]) {
    const response = await fetch(new URL(path, open.url));
    expect(response.headers.get("content-security-policy")).toContain("script-src 'self';");
    expect(response.headers.get("content-security-policy")).not.toContain("unsafe-inline");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  }
  const html = await (await fetch(open.url)).text();
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  expect(scripts.length).toBeGreaterThan(0);
  for (const [, attributes, body] of scripts) {
    expect(attributes).toMatch(/\bsrc="\//);
    expect(body!.trim()).toBe("");
  }
  expect(html).not.toMatch(/\son[a-z]+=/i);
  expect((await fetch(new URL("/api/artifacts", open.url))).headers.get("cache-control")).toBe("no-store");
});
