/**
 * What a summary's `policy` names: the policy file that was applied (its
 * file: URI and the sha256 of the bytes parsed), or, without one, the verify
 * flags, written out as a small canonical JSON document carried in the
 * summary itself, so a reader sees exactly what was required and can
 * recompute its digest.
 */
import type { KeyObject } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { LoadedPolicy } from "../policy/index.ts";
import { keyIdOf } from "../sign/keys.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { sha256Hex } from "../util/digest.ts";
import type { Expectations } from "../verify/expectations.ts";
import type { CertificateIdentity } from "../verify/identity.ts";
import type { NamedDigest } from "./make-vsa.ts";

/** the `uri` of a policy made of verify's flags; its version changes with the document's shape */
export const VERIFY_FLAGS_POLICY_URI = "https://bunseal.dev/policies/verify-flags/v1";

export function policyFileDescriptor(policy: LoadedPolicy): NamedDigest {
  return { uri: fileUri(policy.file), sha256: policy.sha256 };
}

export interface VerifyFlagsPolicy {
  keys: readonly KeyObject[];
  identity?: CertificateIdentity;
  /** sha256 of the --trusted-root file's bytes, when one was given */
  trustedRootSha256?: string;
  expectations: Expectations;
}

export function flagsPolicyDescriptor(flags: VerifyFlagsPolicy): NamedDigest {
  const identity = flags.identity ? { identity: flags.identity.identity ?? null, identityRegexp: flags.identity.identityRegexp ?? null, issuer: flags.identity.issuer } : null;
  const e = flags.expectations;
  const document = {
    keys: flags.keys.map((k) => keyIdOf(k)).sort(),
    identity,
    trustedRoot: flags.trustedRootSha256 ? { sha256: flags.trustedRootSha256 } : null,
    // every expectation, set or not: an absent one is recorded as not asked for, never left to be guessed.
    // allowUnsandboxed false: the summary vouches that the build ran in its sandbox (verify refused kind "none")
    expectations: { commit: e.commit ?? null, sourceUri: e.sourceUri ?? null, service: e.service ?? null, schemaVersion: e.schemaVersion ?? null, bunVersion: e.bunVersion ?? null, allowDirty: e.allowDirty === true, allowUnsandboxed: e.allowUnsandboxed === true },
  };
  const bytes = new TextEncoder().encode(canonicalJson(document));
  return { uri: VERIFY_FLAGS_POLICY_URI, sha256: sha256Hex(bytes), content: bytes, mediaType: "application/json" };
}

/** A local path as a file: URI (absolute), as a summary's descriptors name files. */
export function fileUri(path: string): string {
  return pathToFileURL(resolve(path)).href;
}
