/**
 * `bunseal measure`, as a checklist:
 *   verify → recorded run → unpack → run (A B, B A, A B, …) → figures → ratios → verdict → predicate
 * Signing and writing the statement are sign-measurement.ts's; recording it
 * in the store is the caller's. Every artifact is verified before anything of
 * it runs: an unverified one is refused with verify's reasons, never started.
 */
import { basename } from "node:path";
import { BunsealError } from "../errors.ts";
import type { Expectations } from "../verify/expectations.ts";
import { verifyTrusted, type Trust } from "../verify/trust.ts";
import { judge } from "./budgets.ts";
import { thisMachine } from "./machine.ts";
import { MeasurementPredicateSchema, type Finding, type MeasurementPredicate, type RunSample } from "./predicate.ts";
import { recordedRun, type RecordedRun } from "./recorded-run.ts";
import { compare, DEFAULT_REGRESSION_PCT, summarise } from "./stats.ts";

/** One start of an artifact, as run-artifact.ts's runOnce takes it. */
export interface RunTarget {
  dir: string;
  run: RecordedRun["run"];
  load?: NonNullable<RecordedRun["load"]>;
  bunPath: string;
  timeoutMs: number;
}

/** The runner's interface (src/measure/run-artifact.ts): one sandboxed start, and the artifact unpacked read-only. */
export interface Runner {
  runOnce(target: RunTarget, progress?: (line: string) => void): Promise<RunSample>;
  unpackArtifact(tarPath: string): Promise<{ dir: string; bytes: number; dispose(): Promise<void> }>;
}

export interface ArtifactFile {
  /** the artifact (a tar) */
  path: string;
  /** its provenance bundle */
  bundlePath: string;
}

export type Against = ArtifactFile & { env?: string };

export interface MeasureRequest {
  artifact: ArtifactFile;
  /**
   * side by side: the other artifact, and the environment whose current pin it is (`--env`); a function
   * when which one depends on the subject's service (the artifact an environment runs now)
   */
  against?: Against | ((service: string) => Promise<Against>);
  /** who must have signed each artifact's provenance (verify's trust flags) */
  trust: Trust;
  expectations?: Pick<Expectations, "allowDirty" | "allowUnsandboxed">;
  runs: number;
  /** a start not ready by then is stopped (neverReady) */
  timeoutMs: number;
  /** the Bun that runs `bun` in the run command */
  bunPath: string;
  progress?: (line: string) => void;
  /** the runner; default src/measure/run-artifact.ts */
  runner?: Runner;
  now?: () => Date;
}

export interface MeasuredArtifact {
  name: string;
  sha256: string;
  path: string;
}

export interface Measurement {
  subject: MeasuredArtifact;
  against?: MeasuredArtifact;
  predicate: MeasurementPredicate;
  passed: boolean;
  findings: Finding[];
}

export async function measureArtifact(request: MeasureRequest): Promise<Measurement> {
  const progress = request.progress ?? (() => {});
  const now = request.now ?? (() => new Date());
  // verify: both artifacts, before either is unpacked or started
  const subject = await verified(request.artifact, request.trust, request.expectations);
  const otherFile = typeof request.against === "function" ? await request.against(subject.recorded.service) : request.against;
  const against = otherFile ? await verified(otherFile, request.trust, request.expectations) : undefined;
  if (against && against.recorded.service !== subject.recorded.service) {
    // a ratio to another service's figures would pass or fail a release on a comparison nobody meant
    throw new BunsealError("USAGE", `${otherFile!.path} is a build of ${against.recorded.service}, not of ${subject.recorded.service}; expected an artifact of the same service to measure against`, { field: "--against", expected: `an artifact of ${subject.recorded.service}`, found: against.recorded.service });
  }
  const runner = request.runner ?? (await loadRunner());

  // unpack, each once: every run starts from the same read-only files
  const unpackedA = await runner.unpackArtifact(subject.path);
  const unpackedB = against ? await runner.unpackArtifact(against.path).catch(async (error) => {
    await unpackedA.dispose();
    throw error;
  }) : undefined;
  const measuredAt = now();
  const samplesA: RunSample[] = [];
  const samplesB: RunSample[] = [];
  try {
    // run: alternately, so whatever else the machine does in this minute weighs on both alike; in the
    // order A B, B A, A B, … so neither artifact always follows the other (the one started right after
    // another's teardown shares the machine with its last work; a fixed order would make that a bias)
    const load = subject.recorded.load;
    const runA = async (i: number) => {
      progress(`run ${i}/${request.runs}: ${subject.name}`);
      samplesA.push(await runner.runOnce({ dir: unpackedA.dir, run: subject.recorded.run, ...(load ? { load } : {}), bunPath: request.bunPath, timeoutMs: request.timeoutMs }, progress));
    };
    const runB = async (i: number) => {
      if (!against || !unpackedB) return;
      progress(`run ${i}/${request.runs}: ${against.name} (against)`);
      // the same load for both, the subject's: a ratio of latencies under two different loads means nothing
      samplesB.push(await runner.runOnce({ dir: unpackedB.dir, run: against.recorded.run, ...(load ? { load } : {}), bunPath: request.bunPath, timeoutMs: request.timeoutMs }, progress));
    };
    for (let i = 1; i <= request.runs; i++) {
      if (i % 2 === 1) {
        await runA(i);
        await runB(i);
      } else {
        await runB(i);
        await runA(i);
      }
    }
  } finally {
    await unpackedA.dispose();
    await unpackedB?.dispose();
  }

  // figures, ratios, verdict
  const budgets = subject.recorded.budgets;
  const figures = summarise(samplesA, unpackedA.bytes);
  const ratios = against && unpackedB ? compare(samplesA, samplesB, { a: unpackedA.bytes, b: unpackedB.bytes }, budgets.regressionPct ?? DEFAULT_REGRESSION_PCT) : undefined;
  const verdict = judge({ budgets, figures, samples: samplesA, ...(against && ratios ? { against: { name: `${against.name} (sha256:${against.sha256.slice(0, 12)})`, samples: samplesB, ratios } } : {}) });

  // predicate: parsed before it is signed, so a statement bunseal signs is always one its readers accept
  const run = subject.recorded.run;
  const predicate = MeasurementPredicateSchema.parse({
    measuredAt: measuredAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
    service: subject.recorded.service,
    run: { command: run.command, ready: run.ready, ...(run.port !== undefined ? { port: run.port } : {}), env: Object.keys(run.env).sort() },
    ...(subject.recorded.load ? { load: subject.recorded.load } : {}),
    runs: request.runs,
    timeoutMs: request.timeoutMs,
    budgets,
    figures,
    samples: samplesA.map(({ latenciesMs: _l, ...rest }) => rest),
    ...(against && ratios
      ? { against: { artifact: { name: against.name, digest: { sha256: against.sha256 } }, ...(otherFile?.env !== undefined ? { env: otherFile.env } : {}), figures: summarise(samplesB, unpackedB!.bytes), ratios } }
      : {}),
    verdict,
    machine: thisMachine(),
  });
  return {
    subject: { name: subject.name, sha256: subject.sha256, path: subject.path },
    ...(against ? { against: { name: against.name, sha256: against.sha256, path: against.path } } : {}),
    predicate,
    passed: verdict.passed,
    findings: verdict.findings,
  };
}

interface VerifiedArtifact extends MeasuredArtifact {
  recorded: RecordedRun;
}

async function verified(file: ArtifactFile, trust: Trust, expectations: MeasureRequest["expectations"] = {}): Promise<VerifiedArtifact> {
  const report = await verifyTrusted(trust, { artifact: file.path, bundlePath: file.bundlePath, expectations: { allowDirty: expectations.allowDirty, allowUnsandboxed: expectations.allowUnsandboxed } });
  if (!report.verified || !report.verifiedStatement || !report.artifact) {
    const reasons = report.failures.map((f) => `${f.code}: ${f.message}`).join("\n  ") || "no trusted signer vouched for it";
    throw new BunsealError("VERIFY_FAILED", `${file.path} does not verify against ${file.bundlePath}, so it is not measured (nothing of it ran):\n  ${reasons}`, {
      file: file.path,
      expected: "an artifact whose provenance verifies",
      found: report.failures.map((f) => f.code).join(", ") || "no trusted signer",
    });
  }
  const sha256 = report.artifact.digest.replace(/^sha256:/, "");
  return { name: report.artifact.subject ?? basename(file.path), sha256, path: file.path, recorded: recordedRun(report.verifiedStatement, file.path) };
}

/** The sandboxed runner, loaded only when something is to run (it brings the sandbox and the prober). */
async function loadRunner(): Promise<Runner> {
  // by a literal name, so that the package's bundle carries it (a path computed at run time names a file beside the bundle)
  return (await import("./run-artifact.ts")) as Runner;
}
