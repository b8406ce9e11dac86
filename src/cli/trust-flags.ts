/**
 * verify's trust flags, for the commands that act on an artifact (store
 * import, pin, pins verify, rollback, rebuild, build --keyless --store): the
 * same names, the same rules and the same errors as `bunseal verify`, turned
 * into the one Trust value the library verifies with (src/verify/trust.ts).
 */
import type { Command } from "commander";
import type { KeyObject } from "node:crypto";
import { BunsealError } from "../errors.ts";
import type { SignerIdentity, Trust } from "../verify/trust.ts";

/** Commander names each flag after its words (`--certificate-oidc-issuer` → `certificateOidcIssuer`). */
export interface TrustFlags {
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  trustedRoot?: string;
  policy?: string;
}

/** `what` names what the flags judge; `fallback`, what is trusted when none of them is given. */
export function trustOptions(command: Command, what = "the artifact's attestation", fallback?: string): Command {
  return command
    .option("--certificate-identity <id>", `keyless: the exact identity (certificate SAN) that must have signed ${what}${fallback ? ` (default: ${fallback})` : ""}`)
    .option("--certificate-identity-regexp <re>", "keyless: a regular expression searched for in the identity, as cosign does (anchor it with ^ and $)")
    .option("--certificate-oidc-issuer <url>", "keyless: the OIDC issuer that must have vouched for the identity (required with an identity)")
    .option("--trusted-root <file>", "a Sigstore TrustedRoot JSON for keyless bundles (default: the public-good root shipped with bunseal)")
    .option("--policy <file>", `a verification policy (JSON; schemas/policy.schema.json) ${what} must pass; replaces public --key and --certificate-identity`);
}

/**
 * The trust the flags describe, with `keys` (public keys from --key, where
 * the command takes them as trust anchors); undefined when none is given, so
 * the command falls back to what it documents (the signer the store recorded).
 */
export async function trustFromFlags(flags: TrustFlags, keys: readonly KeyObject[] = []): Promise<Trust | undefined> {
  const keyless = flags.certificateIdentity !== undefined || flags.certificateIdentityRegexp !== undefined;
  // the rules and messages are verify's (src/cli/commands/verify.ts, src/verify/verify-bundle.ts), so a flag means one thing everywhere
  if (!keyless && flags.certificateOidcIssuer !== undefined) {
    throw new BunsealError("USAGE", "--certificate-oidc-issuer applies to keyless verification; expected --certificate-identity (or -regexp) with it", { field: "--certificate-oidc-issuer", expected: "--certificate-identity ID" });
  }
  if (keyless && flags.certificateOidcIssuer === undefined) {
    throw new BunsealError("USAGE", "keyless verification needs --certificate-oidc-issuer URL: an identity is only as good as the issuer that vouched for it", { field: "--certificate-oidc-issuer", expected: "an OIDC issuer URL" });
  }
  if (flags.policy !== undefined) {
    if (keyless || keys.length > 0) throw new BunsealError("USAGE", "--policy names the trusted signers; expected no --key or --certificate-identity with it", { field: "--policy", expected: "one source of trust" });
    const { loadPolicy } = await import("../policy/index.ts");
    return { kind: "policy", policy: await loadPolicy(flags.policy), trustedRoot: flags.trustedRoot };
  }
  if (keyless) {
    if (keys.length > 0) throw new BunsealError("USAGE", "expected either --key (key mode) or --certificate-identity (keyless), not both", { field: "--key", expected: "one kind of trust anchor" });
    const identity = { identity: flags.certificateIdentity, identityRegexp: flags.certificateIdentityRegexp, issuer: flags.certificateOidcIssuer! };
    const { compileIdentity } = await import("../verify/identity.ts");
    compileIdentity(identity); // a malformed identity rule is a usage error before any file is read
    return { kind: "identity", identity, trustedRoot: flags.trustedRoot };
  }
  if (keys.length > 0) return { kind: "keys", keys, trustedRoot: flags.trustedRoot };
  if (flags.trustedRoot !== undefined) {
    // a root alone names no signer: "any identity under this root" is not a check
    throw new BunsealError("USAGE", "--trusted-root is the root a signer is checked under; expected --certificate-identity ID with --certificate-oidc-issuer URL, --policy FILE or --key PUB with it", { field: "--trusted-root", expected: "a signer to check" });
  }
  return undefined;
}

/** A signer in one line, as the human output shows it. */
export function describeSigner(signer: SignerIdentity): string {
  return signer.kind === "key" ? `key ${signer.keyId.slice(0, 16)}…` : `${signer.identity} (keyless, issuer ${signer.issuer})`;
}
