/**
 * The provenance of a registry package, verified like any published Sigstore
 * bundle (keylessly, against the public-good trusted root, offline): signed
 * by a CI workflow identity (GitHub Actions or GitLab CI) and naming the
 * package's tarball (its sha512 integrity) as a subject. The repository it
 * names is compared by the caller.
 */
import { verifyBundle } from "../verify/verify-bundle.ts";

const CI_IDENTITIES = [
  // anchored: an identity regexp is searched for in the identity, as cosign's is (src/verify/identity.ts)
  { identityRegexp: "^https://github\\.com/.+", issuer: "https://token.actions.githubusercontent.com" },
  { identityRegexp: "^https://gitlab\\.com/.+", issuer: "https://gitlab.com" },
];

export async function verifyProvenanceBundle(bundle: Record<string, unknown>, integrity: string | undefined, label: string, trustedRoot?: string): Promise<{ verified: boolean; reason?: string }> {
  const bytes = new TextEncoder().encode(JSON.stringify(bundle));
  let reason = "no CI identity vouched for it";
  for (const identity of CI_IDENTITIES) {
    // the subject is the tarball's sha512, which verify's sha256 subject check cannot take: checked below
    const report = await verifyBundle({ artifact: undefined, bundlePath: label, bundleBytes: bytes, identity, trustedRoot, expectations: {} }).catch((error: Error) => ({ verified: false, failures: [{ code: "BUNDLE_INVALID", message: error.message }], signer: undefined, statement: undefined }));
    if (!report.signer) {
      reason = report.failures.map((f) => `${f.code}: ${f.message}`).join("; ") || reason;
      continue;
    }
    if (!report.verified) return { verified: false, reason: report.failures.map((f) => `${f.code}: ${f.message}`).join("; ") };
    const wanted = integrity?.startsWith("sha512-") ? Buffer.from(integrity.slice(7), "base64").toString("hex") : undefined;
    const payload = (bundle as { dsseEnvelope?: { payload?: string } }).dsseEnvelope?.payload;
    const subjects = payload ? (JSON.parse(Buffer.from(payload, "base64").toString("utf8")).subject as { digest?: { sha512?: string } }[]) : [];
    if (!wanted || !subjects.some((s) => s.digest?.sha512 === wanted)) return { verified: false, reason: `the provenance is not about this tarball (sha512 ${wanted?.slice(0, 16) ?? "unknown"}…)` };
    return { verified: true };
  }
  return { verified: false, reason };
}
