/**
 * Which way to verify a bundle: a Verification Summary, or what verify takes
 * otherwise. The predicate type is read from the unverified payload, only to
 * choose the checks: a summary passes only when the trusted signer signed it,
 * the artifact is its subject and it says PASSED, so a bundle that claims to
 * be a summary gains nothing by it.
 */

/** The in-toto statement's predicateType in a DSSE bundle, or undefined for anything else (including malformed input, which verify then reports). */
export function peekPredicateType(bundleBytes: Uint8Array): string | undefined {
  try {
    const bundle = JSON.parse(new TextDecoder().decode(bundleBytes)) as { dsseEnvelope?: { payload?: unknown } };
    const payload = bundle?.dsseEnvelope?.payload;
    if (typeof payload !== "string") return undefined;
    const statement = JSON.parse(Buffer.from(payload, "base64").toString("utf8")) as { predicateType?: unknown };
    return typeof statement?.predicateType === "string" ? statement.predicateType : undefined;
  } catch {
    return undefined;
  }
}
