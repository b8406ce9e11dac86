/**
 * Tiny services for the runner's tests: each is a JS file written into a
 * fresh folder and run with `bun` by runOnce, in its sandbox, exactly as an
 * unpacked artifact is.
 */
import { testdir, type TestDir } from "../helpers/testdir.ts";
import type { LoadConfig, RunConfig, RunTarget } from "../../src/measure/run-artifact.ts";

export type { TestDir };

/** A folder holding `index.js` (and any other files). */
export function service(code: string, more: Record<string, string> = {}): Promise<TestDir> {
  return testdir({ "index.js": code, ...more });
}

/** A service that listens on $PORT with `/health`, the given routes, and `before` run first. */
export function httpService(before: string, routes = ""): Promise<TestDir> {
  return service(`${before}
Bun.serve({
  port: Number(process.env.PORT),
  async fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === "/health") return new Response("ok");
    ${routes}
    return new Response("hello");
  },
});
`);
}

export function target(dir: string, run: Partial<RunConfig> & Pick<RunConfig, "ready">, options: { load?: Partial<LoadConfig>; timeoutMs?: number } = {}): RunTarget {
  const load = options.load ? { path: "/", method: "GET" as const, requests: 100, concurrency: 4, ...options.load } : undefined;
  return { dir, run: { command: ["bun", "index.js"], port: "PORT", env: {}, ...run }, load, bunPath: process.execPath, timeoutMs: options.timeoutMs ?? 10_000 };
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
