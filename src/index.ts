/**
 * bunseal as a library: the same pipelines the CLI runs, for tools that embed
 * them. Nothing here prints or exits; failures are BunsealError with a code.
 */
export { buildArtifact, type BuildOutcome, type BuildRequest } from "./pipeline/build.ts";
export { verifyBundle, type Verified, type VerifyReport, type VerifyRequest } from "./verify/verify-bundle.ts";
export type { Expectations } from "./verify/expectations.ts";
export type { Finding, ReasonCode } from "./verify/finding.ts";
export { loadConfig, type LoadedConfig } from "./config/load.ts";
export { ConfigSchema, type Config } from "./config/schema.ts";
export { generateKeyPair, keyIdOf, loadPrivateKey, loadPublicKey } from "./sign/keys.ts";
export { keySigner, type Signer } from "./sign/signer.ts";
export { signStatement } from "./sign/sign-statement.ts";
export { defaultContext, type Context } from "./context.ts";
export { BunsealError, ERROR_CODES, type ErrorCode, type ErrorKind } from "./errors.ts";
export { BUILD_TYPE, DEFAULT_BUILDER_ID, ExternalParametersSchema, InternalParametersSchema } from "./attest/build-type.ts";
export { StatementSchema, STATEMENT_TYPE_V1, type Statement } from "./attest/statement.ts";
export { ProvenanceV1Schema, SLSA_PROVENANCE_V1, type ProvenanceV1 } from "./attest/slsa-provenance.ts";
export { ResourceDescriptorSchema, type ResourceDescriptor } from "./attest/resource-descriptor.ts";
export { DsseEnvelopeSchema, IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from "./attest/dsse.ts";
export { packTar } from "./artifact/tar-pack.ts";
export { listTar, readTarFiles } from "./artifact/tar-read.ts";
export { canonicalJson } from "./util/canonical-json.ts";
export { VERSION } from "./version.ts";
export { verifyWithPolicy, type PolicyVerifyReport } from "./verify/verify-with-policy.ts";
export type { CertificateIdentity } from "./verify/identity.ts";
export { evaluatePolicy, loadPolicy, parsePolicy, PolicySchema, policySigners, type LoadedPolicy, type Policy, type PolicyResult } from "./policy/index.ts";
export { rebuildArtifact, type RebuildReport, type RebuildRequest } from "./rebuild/rebuild.ts";
export { checkProject, type CheckReport, type CheckRequest } from "./check/check.ts";
export { openStore } from "./store/open-store.ts";
export type { ArtifactRecord, ArtifactSummary, PinRecord, Store } from "./store/store.ts";
export { trace, tracePackage, type TraceReport } from "./trace/trace.ts";
export { pinArtifact, type PinRequest } from "./pin/pin.ts";
export { rollback, type RollbackOutcome } from "./pin/rollback.ts";
export { planRollback, type RollbackPlan } from "./pin/rollback-plan.ts";
export { verifyPinFile } from "./pin/verify-pin-file.ts";
export { inspectBundle } from "./inspect/inspect-bundle.ts";
export { describeProvenance } from "./inspect/describe-provenance.ts";
export { verifyDependencies } from "./deps/deps-verify.ts";
export { keylessSigner } from "./sign/keyless-signer.ts";
export { initProject, type InitOutcome, type InitRequest } from "./init/init-project.ts";
export { planInit, type InitPlan } from "./init/plan-init.ts";
export { scriptDrift } from "./init/script-drift.ts";
