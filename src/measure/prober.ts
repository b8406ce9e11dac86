/**
 * The prober and load generator: a program of bunseal's own, started by
 * bunseal in the artifact's network namespace only (nsenter -n, and -U as a
 * user: src/measure/run-artifact.ts), never in its PID or mount namespace, so
 * the artifact can neither see this process nor change the code it runs. It
 * reaches the service on loopback, times every request on its own clock and
 * reports to bunseal on stdout, one JSON object a line:
 *
 *   {"up":true}            started (then it polls the ready path, when given)
 *   {"ready":true}         the ready path answered 2xx (bunseal times the line's arrival)
 *   {"load":{...}}         after bunseal wrote "load" on stdin: the requests, failures and latencies
 *
 * Run as `bun prober.ts CONFIG_JSON`; it imports nothing, so that nothing but
 * this file and Bun is needed where it runs.
 */

export interface ProberConfig {
  port: number;
  /** the readiness path polled until it answers 2xx; none for stdout readiness */
  readyPath?: string;
  pollMs: number;
  requestTimeoutMs: number;
  load?: { path: string; method: string; requests: number; concurrency: number };
}

export interface LoadReport {
  requests: number;
  failed: number;
  latenciesMs: number[];
}

/** Settles once the line is written: the report is large, and the process exits right after it. */
const say = (message: object) => new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(message)}\n`, () => resolve()));

async function pollReady(config: ProberConfig, path: string): Promise<void> {
  const url = `http://127.0.0.1:${config.port}${path}`;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.max(config.requestTimeoutMs, 50)), redirect: "manual" });
      await response.arrayBuffer();
      if (response.status >= 200 && response.status < 300) {
        await say({ ready: true });
        return;
      }
    } catch {
      // not listening yet (refused), or reset: poll again
    }
    await Bun.sleep(config.pollMs);
  }
}

async function runLoad(config: ProberConfig): Promise<LoadReport> {
  const load = config.load!;
  const url = `http://127.0.0.1:${config.port}${load.path}`;
  const latenciesMs: number[] = [];
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < load.requests) {
      next++;
      const start = performance.now();
      try {
        const response = await fetch(url, { method: load.method, signal: AbortSignal.timeout(config.requestTimeoutMs), redirect: "manual" });
        await response.arrayBuffer();
        latenciesMs.push(performance.now() - start);
        if (response.status < 200 || response.status >= 300) failed++;
      } catch {
        // refused, reset, or no answer in time: a failure with no latency
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(load.concurrency, load.requests) }, worker));
  return { requests: load.requests, failed, latenciesMs };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? "") as ProberConfig;
  await say({ up: true });
  if (config.readyPath !== undefined) void pollReady(config, config.readyPath);
  let buffered = "";
  for await (const chunk of Bun.stdin.stream()) {
    buffered += new TextDecoder().decode(chunk);
    if (!buffered.includes("\n")) continue;
    if (buffered.startsWith("load")) {
      await say({ load: await runLoad(config) });
      process.exit(0);
    }
    buffered = "";
  }
  process.exit(0);
}

if (import.meta.main) await main();
