/**
 * `bunseal rollback`: plan, then apply. The target was pinned here before
 * (known good); its attestation must verify again; with --rebuild it must
 * still rebuild to the same bytes; the schema contract must not change unless
 * allowed. The rollback is a new pin: history is never rewritten.
 */
import type { KeyObject } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Context } from "../context.ts";
import { BunsealError } from "../errors.ts";
import type { Signer } from "../sign/signer.ts";
import type { ArtifactRecord, Store } from "../store/store.ts";
import { storedTrust, verifyStored } from "../store/verify-stored.ts";
import type { Trust } from "../verify/trust.ts";
import { pinArtifact, type PinOutcome } from "./pin.ts";
import { planRollback, type RollbackPlan, type RollbackRequest } from "./rollback-plan.ts";
import { assertPinRows } from "./verify-pin-rows.ts";
import type { Figures } from "../measure/predicate.ts";
import { verifiedMeasurementsOf } from "./verified-measurements.ts";

export interface RollbackOptions extends Omit<RollbackRequest, "service"> {
  service?: string;
  reason: string;
  actor: string;
  signer?: Signer;
  /** what the target's attestation must verify against; default: the signer it was stored with */
  trust?: Trust;
  /** keys trusted to have signed the pins of the history (the CLI: every --key, the private one's public half); none: refused */
  pinKeys?: readonly KeyObject[];
  rebuild?: boolean;
  /** files the rebuild's sandbox must not show wherever they lie: the key that signs the pin */
  deny?: readonly string[];
  dryRun?: boolean;
  pinsDir: string | null;
}

/** An end of the rollback as its newest verified measurement saw it; null: not measured (or none verified). */
export interface MeasuredFigures {
  measuredAt: string;
  /** sha256 hex of what it ran against, or null */
  against: string | null;
  passed: boolean;
  figures: Figures;
}

export interface RollbackOutcome {
  plan: RollbackPlan;
  /** shown beside the plan, so the responder sees what the target costs against what runs now (issue 22 item 5) */
  figures: { from: MeasuredFigures | null; to: MeasuredFigures | null };
  applied: PinOutcome | null;
  rebuilt: boolean | null;
}

export async function rollback(store: Store, options: RollbackOptions, ctx: Context): Promise<RollbackOutcome> {
  const service = options.service ?? (await soleService(store, options.env));
  const history = await store.pins({ service, env: options.env });
  // the history picks the target and the plan: each row must be the pin that was signed, by a key the caller trusts
  // a dry run changes nothing and worked without a key before pin rows were checked: its rows are still held to
  // their signed pins, field by field, and the plan says the signatures were not checked
  if (!options.pinKeys?.length && !options.dryRun) throw new BunsealError("USAGE", "expected --key: the key that signs the rollback, or a public key trusted to have signed the pins, to check the pin history with", { field: "--key", expected: "a key" });
  await assertPinRows(history, options.pinKeys?.length ? options.pinKeys : null, store.location);
  if (!options.pinKeys?.length) ctx.log("warning: the pin rows match their signed pins, but whose signatures they carry is not checked without --key (a public key trusted to have signed them)");
  const digests = [...new Set(history.map((p) => p.digest))];
  const artifacts = new Map((await Promise.all(digests.map((d) => store.getArtifact(d)))).flatMap((a) => (a ? [[a.digest, a] as const] : [])));
  const plan = planRollback({ ...options, service }, history, artifacts);
  const target = artifacts.get(plan.to.digest);
  if (!target) throw new BunsealError("NOT_FOUND", `sha256:${plan.to.digest} was pinned but is not in the store; expected its attestation there`, { expected: "a stored artifact" });
  // The plan judged the contracts by the store's columns: both ends must verify, under the signer each
  // was stored with, and be what was signed. (The trust given for the target is checked where it always
  // was: by the rebuild and by the pin.)
  await assertVerified(plan.from.digest, artifacts.get(plan.from.digest));
  const from = artifacts.get(plan.from.digest)!;
  await assertVerified(plan.to.digest, target);
  const figures = { from: await newestFigures(store, from, options), to: await newestFigures(store, target, options) };
  if (options.dryRun) return { plan, figures, applied: null, rebuilt: null };
  if (!options.signer) throw new BunsealError("USAGE", "expected --key with a private key to sign the rollback pin", { field: "--key", expected: "a private key" });

  let rebuilt: boolean | null = null;
  if (options.rebuild) {
    ctx.log(`rollback: rebuilding ${target.name} to check it still reproduces`);
    rebuilt = await stillRebuilds(target, options.trust, options.deny ?? [], ctx);
    if (!rebuilt) throw new BunsealError("ROLLBACK_REFUSED", `${target.name} no longer rebuilds to the same bytes; run bunseal rebuild on it for the reasons`, { expected: "a reproducible artifact", found: "a different rebuild" });
  }
  // pinArtifact verifies the attestation again and refuses if the history moved on since the plan
  const applied = await pinArtifact(store, {
    digest: plan.to.digest,
    env: options.env,
    reason: options.reason,
    actor: options.actor,
    signer: options.signer,
    trust: options.trust,
    rollbackOf: plan.from.sequence,
    expectedSequence: plan.nextSequence,
    pinsDir: options.pinsDir,
  });
  return { plan, figures, applied, rebuilt };
}

/** The newest measurement of the artifact that verifies, under the trust given or the artifact's signer, and the keys trusted for the pins. */
async function newestFigures(store: Store, artifact: ArtifactRecord, options: RollbackOptions): Promise<MeasuredFigures | null> {
  const base = options.trust ?? storedTrust(artifact);
  const trust = base.kind === "keys" && options.pinKeys?.length ? { ...base, keys: [...base.keys, ...options.pinKeys] } : base;
  const newest = (await verifiedMeasurementsOf(store, artifact.digest, trust)).verified[0];
  if (!newest) return null;
  const { predicate } = newest;
  return { measuredAt: predicate.measuredAt, against: predicate.against?.artifact.digest.sha256 ?? null, passed: predicate.verdict.passed, figures: predicate.figures };
}

/** Refuses a plan end whose record is gone, or does not verify (src/store/verify-stored.ts): its contract column would be all the plan rested on. */
async function assertVerified(digest: string, record: ArtifactRecord | undefined): Promise<void> {
  if (!record) {
    throw new BunsealError("ROLLBACK_REFUSED", `sha256:${digest} was pinned but is not in the store; expected its attestation there to judge the contracts by`, { field: "digest", expected: "a stored artifact", found: `sha256:${digest}` });
  }
  const verdict = await verifyStored(record, undefined, { allowDirty: true });
  if (!verdict.verified) {
    throw new BunsealError("ROLLBACK_REFUSED", `the store's record of ${record.name} does not verify, so the plan cannot rest on it:\n  ${verdict.failures.map((f) => `${f.code}: ${f.message}`).join("\n  ")}`, { field: verdict.failures[0]?.field, expected: "a record that verifies, matching its signed statement", found: verdict.failures.map((f) => f.code).join(", ") });
  }
}

async function soleService(store: Store, env: string): Promise<string> {
  const services = [...new Set((await store.pins({ env })).map((p) => p.service))];
  if (services.length === 1) return services[0]!;
  throw new BunsealError("USAGE", services.length === 0 ? `nothing is pinned in ${env}` : `${env} has pins for ${services.join(", ")}; expected --service to say which`, { field: "--service", expected: "one service", found: services.join(", ") || "none" });
}

async function stillRebuilds(target: ArtifactRecord, trust: Trust | undefined, deny: readonly string[], ctx: Context): Promise<boolean> {
  const { rebuildArtifact } = await import("../rebuild/rebuild.ts");
  const dir = await mkdtemp(join(tmpdir(), "bunseal-rollback-"));
  try {
    const bundlePath = join(dir, `${target.name}.sigstore.json`);
    await writeFile(bundlePath, target.bundle);
    const report = await rebuildArtifact({ bundlePath, trust: trust ?? storedTrust(target), deny }, ctx);
    return report.reproducible;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
