/**
 * Reading other tools' provenance: what GitHub's attest action, npm publish
 * provenance, slsa-github-generator and bunseal itself record, brought to one
 * shape a responder can read: which repository, which commit, which workflow,
 * which builder. Statement v0.1 and v1; SLSA Provenance v0.2 and v1.
 */
import { BUILD_TYPE } from "../attest/build-type.ts";
import { SLSA_PROVENANCE_V1 } from "../attest/slsa-provenance.ts";
import { splitSourceUri } from "../source/uri.ts";

const SLSA_V02 = "https://slsa.dev/provenance/v0.2";
/** GitHub Actions' build type, used by actions/attest-build-provenance, npm provenance and slsa-github-generator's v1 workflows; under its first and its current URI */
export const GITHUB_WORKFLOW_V1 = "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1";
export const GITHUB_WORKFLOW_TYPES = new Set([GITHUB_WORKFLOW_V1, "https://actions.github.io/buildtypes/workflow/v1"]);

export interface ProvenanceSummary {
  statementType: string;
  predicateType: string;
  /** who made it, as far as its shape tells */
  producer: "bunseal" | "github-actions" | "npm" | "slsa-github-generator" | "other";
  buildType: string | null;
  builderId: string | null;
  /** the source repository, as a URI (git+https://…) */
  sourceRepository: string | null;
  commit: string | null;
  ref: string | null;
  /** the workflow (or entry point) that ran the build */
  workflow: string | null;
  subjects: { name: string | null; digest: Record<string, string> }[];
  /**
   * bunseal's statements only: how the build's boundary was enforced, as recorded (unverified, like
   * the rest); kind "none" with a reason for a record made before the sandbox was recorded
   */
  sandbox?: { kind: string; network: boolean | null; reads: string | null; reason?: string };
}

type Json = Record<string, any>;

export function describeProvenance(statement: Json): ProvenanceSummary {
  const predicateType = String(statement.predicateType ?? "");
  const base = {
    statementType: String(statement._type ?? ""),
    predicateType,
    subjects: (Array.isArray(statement.subject) ? statement.subject : []).map((s: Json) => ({ name: s?.name ?? null, digest: s?.digest ?? {} })),
  };
  const predicate: Json = statement.predicate ?? {};
  const summary: ProvenanceSummary =
    predicateType === SLSA_PROVENANCE_V1 ? { ...base, ...fromV1(predicate) } : predicateType === SLSA_V02 ? { ...base, ...fromV02(predicate) } : { ...base, producer: "other", buildType: null, builderId: null, sourceRepository: null, commit: null, ref: null, workflow: null };
  // npm's provenance shares GitHub's build type; its subjects are package URLs
  if (summary.subjects.some((s) => s.name?.startsWith("pkg:npm/"))) summary.producer = "npm";
  return summary;
}

function fromV1(predicate: Json): Omit<ProvenanceSummary, "statementType" | "predicateType" | "subjects"> {
  const definition: Json = predicate.buildDefinition ?? {};
  const buildType = definition.buildType ?? null;
  const builderId = predicate.runDetails?.builder?.id ?? null;
  const external: Json = definition.externalParameters ?? {};
  // the source is the resolved dependency that carries a git commit
  const source = (definition.resolvedDependencies ?? []).find((d: Json) => d?.digest?.gitCommit) as Json | undefined;
  const { repository, ref } = splitRef(source?.uri ?? null);
  if (buildType === BUILD_TYPE) {
    return { producer: "bunseal", buildType, builderId, sourceRepository: repository, commit: source?.digest?.gitCommit ?? external.source?.commit ?? null, ref: external.source?.ref ?? ref, workflow: null, sandbox: recordedSandbox(definition.internalParameters) };
  }
  const workflow: Json = external.workflow ?? {};
  const producer = GITHUB_WORKFLOW_TYPES.has(buildType) ? githubProducer(builderId, workflow) : String(builderId ?? "").includes("slsa-github-generator") ? "slsa-github-generator" : "other";
  return {
    producer,
    buildType,
    builderId,
    sourceRepository: repository ?? (workflow.repository ? `git+${workflow.repository}` : null),
    commit: source?.digest?.gitCommit ?? null,
    ref: workflow.ref ?? ref,
    workflow: workflow.path ?? null,
  };
}

function recordedSandbox(internal: Json | undefined): NonNullable<ProvenanceSummary["sandbox"]> {
  const sandbox = internal?.sandbox;
  if (typeof sandbox !== "object" || sandbox === null) return { kind: "none", network: null, reads: null, reason: "the statement records no sandbox (made before bunseal recorded one)" };
  return {
    kind: typeof sandbox.kind === "string" ? sandbox.kind : "none",
    network: typeof sandbox.network === "boolean" ? sandbox.network : null,
    reads: typeof sandbox.reads === "string" ? sandbox.reads : null,
    ...(typeof sandbox.reason === "string" ? { reason: sandbox.reason } : {}),
  };
}

function fromV02(predicate: Json): Omit<ProvenanceSummary, "statementType" | "predicateType" | "subjects"> {
  const config: Json = predicate.invocation?.configSource ?? {};
  const { repository, ref } = splitRef(config.uri ?? null);
  const builderId = predicate.builder?.id ?? null;
  const buildType = predicate.buildType ?? null;
  const material = (predicate.materials ?? []).find((m: Json) => m?.digest?.sha1 || m?.digest?.gitCommit) as Json | undefined;
  const producer = String(buildType ?? "").startsWith("https://github.com/npm/cli/") ? "npm" : String(builderId ?? "").includes("slsa-github-generator") ? "slsa-github-generator" : String(builderId ?? "").startsWith("https://github.com/actions/runner") ? "github-actions" : "other";
  return {
    producer,
    buildType,
    builderId,
    sourceRepository: repository,
    commit: config.digest?.sha1 ?? config.digest?.gitCommit ?? material?.digest?.sha1 ?? material?.digest?.gitCommit ?? null,
    ref,
    workflow: config.entryPoint ?? null,
  };
}

/** npm's provenance and the attest action share GitHub's build type; npm's builder runs a workflow that publishes. */
function githubProducer(builderId: string | null, workflow: Json): ProvenanceSummary["producer"] {
  if (String(builderId ?? "").includes("slsa-github-generator")) return "slsa-github-generator";
  return workflow.path || String(builderId ?? "").startsWith("https://github.com/") ? "github-actions" : "other";
}

/** `git+https://github.com/o/r@refs/heads/main` → repository and ref. */
function splitRef(uri: string | null): { repository: string | null; ref: string | null } {
  if (!uri) return { repository: null, ref: null };
  const { repo, ref } = splitSourceUri(uri);
  return { repository: repo, ref: ref ?? null };
}
