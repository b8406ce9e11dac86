/**
 * The verification policy file (`bunseal verify --policy FILE`): which
 * signers are trusted and what a statement must record to be accepted.
 * Strict everywhere: a misspelt rule must stop the run, not be skipped, or
 * the policy would look enforced while checking nothing. JSON Schema:
 * schemas/policy.schema.json (`bun run schemas`).
 */
import { z } from "../vendor/zod.js";
import { compileIdentityRegexp } from "../verify/identity.ts";
import { DURATION_RE } from "./match.ts";
import { isSemverRange, isSemverVersion } from "./semver.ts";

/** A list where a repeated entry is refused: it is a copy-paste slip at best, and hides which entry was meant. */
function uniqueList<T extends z.ZodType>(item: T, min: number) {
  return z.array(item).min(min).superRefine((values, ctx) => {
    const seen = new Set<string>();
    values.forEach((value, index) => {
      const key = JSON.stringify(value);
      if (seen.has(key)) ctx.addIssue({ code: "custom", path: [index], input: value, message: "no duplicate entries" });
      seen.add(key);
    });
  });
}

const text = z.string().min(1);

export const KeySignerSchema = z.strictObject({
  publicKey: text.describe("an SPKI PEM public key, or a path to one relative to the policy file"),
});
export const IdentitySignerSchema = z.strictObject({
  identity: text.describe("the signing certificate's identity (subject alternative name), exactly"),
  issuer: text.describe("the certificate's OIDC issuer, exactly"),
});
export const IdentityRegexpSignerSchema = z.strictObject({
  identityRegexp: text
    .refine((source) => compiles(source), "a valid regular expression (JavaScript syntax)")
    .describe("a regular expression searched for in the identity, as cosign's --certificate-identity-regexp is (unanchored: anchor it with ^ and $)"),
  issuer: text.describe("the certificate's OIDC issuer, exactly"),
});

const ContractsRuleSchema = z
  .strictObject({ schemaVersion: uniqueList(text, 1).optional(), telemetryContract: uniqueList(text, 1).optional() })
  .refine((c) => c.schemaVersion !== undefined || c.telemetryContract !== undefined, "schemaVersion or telemetryContract (an empty contracts rule checks nothing)")
  .meta({ description: "allowed values of the recorded contracts", minProperties: 1 });

const ForbiddenPackageSchema = z.strictObject({
  name: text,
  range: text.refine(isSemverRange, "a semver range such as \"<4.14.0\" or \">=1.0.0 <1.2.3 || 2.x\""),
  reason: text.optional(),
}).describe("a package (by name) whose versions in the range must not be in the build");

const VsaRuleSchema = z
  .strictObject({
    verifierIds: uniqueList(z.url(), 1).optional().describe("allowed verifier ids (predicate.verifier.id), compared exactly"),
    levels: uniqueList(
      z.string().min(1).refine((level) => level !== "FAILED", "a level to require (SLSA_BUILD_LEVEL_2, or a custom value), not FAILED"),
      1,
    )
      .optional()
      .describe("levels the summary must state, every one: a higher level of the same SLSA track meets a lower one (SLSA_BUILD_LEVEL_3 meets SLSA_BUILD_LEVEL_2); a custom value must be listed exactly"),
  })
  .refine((v) => v.verifierIds !== undefined || v.levels !== undefined, "verifierIds or levels (an empty vsa rule checks nothing)")
  .meta({ description: "for a Verification Summary Attestation (bunseal verify --bundle VSA): which verifiers and levels are accepted. Set, it also refuses SLSA provenance in place of a summary", minProperties: 1 });

const SandboxRuleSchema = z
  .strictObject({
    allow: uniqueList(text, 1)
      .optional()
      .describe('the sandbox kinds (internalParameters.sandbox.kind) accepted: "bubblewrap", and "none" only to accept a build without its sandbox (or a record made before the sandbox was recorded). Unset: every kind but "none"'),
    network: z.boolean().optional().describe("false: refuse a build that could reach the network (BUILD_NETWORK); true, or unset: accept it"),
  })
  .refine((r) => r.allow !== undefined || r.network !== undefined, "allow or network (an empty sandbox rule checks nothing)")
  .meta({ description: "how the build's boundary must have been enforced. Without it, a build recorded without its sandbox is refused (BUILD_UNSANDBOXED)", minProperties: 1 });

export const PolicySchema = z.strictObject({
  $schema: z.string().optional(),
  // at least one, since "no signer" must never come to mean "any signer"
  signers: uniqueList(z.union([KeySignerSchema, IdentitySignerSchema, IdentityRegexpSignerSchema]), 1)
    .describe("who may have signed the attestation: a public key, or a certificate identity and issuer"),
  builders: uniqueList(text, 1).optional().describe("allowed builder ids (runDetails.builder.id), compared exactly"),
  sourceUris: uniqueList(text, 1).optional().describe("allowed source repositories, as `bunseal verify --source-uri` takes them: git+ and @ref optional"),
  refs: uniqueList(
    // A bare "main" would never match a recorded "refs/heads/main"; and requiring refs/ also keeps out Bun.Glob's leading "!" (negation), which would turn an allowlist inside out.
    z.string().regex(/^refs\/./, "a full ref name or glob starting with refs/ (refs/heads/main, refs/tags/v*)"),
    1,
  )
    .optional()
    .describe("allowed refs, as globs over full ref names: \"refs/heads/main\", \"refs/tags/v*\" (* stays within one segment, ** crosses them)"),
  commits: uniqueList(z.string().regex(/^[0-9a-fA-F]{7,64}$/, "a commit id, full or its first 7+ hex digits"), 1)
    .optional()
    .describe("allowed commits, full or as a prefix of 7+ hex digits"),
  maxAge: z
    .string()
    .regex(DURATION_RE, "a duration: a whole number then d, h or m (\"30d\", \"12h\", \"90m\")")
    .optional()
    .describe("the build (runDetails.metadata.startedOn) must have started less than this long ago: \"30d\", \"12h\", \"90m\""),
  minBunVersion: z.string().refine(isSemverVersion, "a full semver version such as \"1.4.5\"").optional().describe("the oldest Bun the build may have used"),
  contracts: ContractsRuleSchema.optional(),
  forbiddenPackages: uniqueList(ForbiddenPackageSchema, 1).optional(),
  installScriptsAllowed: uniqueList(text, 0)
    .optional()
    .describe("the only packages that may have had install scripts Bun was allowed to run; [] means none"),
  vsa: VsaRuleSchema.optional(),
  sandbox: SandboxRuleSchema.optional(),
  allowDirty: z.boolean().default(false).describe("accept a build from a work tree with uncommitted changes, or one whose provenance does not say"),
});

export type Policy = z.output<typeof PolicySchema>;
export type PolicySigner = Policy["signers"][number];

// one compiler for the policy and the flag: they must agree on what a pattern means
export { compileIdentityRegexp };

function compiles(source: string): boolean {
  try {
    compileIdentityRegexp(source);
    return true;
  } catch {
    return false;
  }
}
