/**
 * The Sigstore services a keyless signature needs, as @sigstore/sign's
 * clients reach them: where they are by default, how they are loaded, how
 * patiently they are called, and how their failures are told to a user.
 */
import { BunsealError, type ErrorCode } from "../errors.ts";

/** Sigstore's public-good instances (the same values @sigstore/sign exports; a test holds them equal). */
export const PUBLIC_FULCIO_URL = "https://fulcio.sigstore.dev";
export const PUBLIC_REKOR_URL = "https://rekor.sigstore.dev";

/**
 * `intoto` (the default) or `dsse`: the Rekor v1 entry kind recording a DSSE
 * envelope. Public Rekor accepts both; verifiers check either. `intoto` is the
 * default because it is the one every Rekor deployment and test double
 * (@sigstore/mock) accepts; `dsse` is what sigstore-js itself now proposes.
 */
export const REKOR_ENTRY_TYPES = ["intoto", "dsse"] as const;
export type RekorEntryType = (typeof REKOR_ENTRY_TYPES)[number];

// sigstore-js's own defaults for these services (config.ts): a slow or flaky
// public instance gets two more tries before the build fails.
export const FETCH = { timeout: 5_000, retry: { retries: 2 } };

/**
 * Each client from its own module: the package index would also load the
 * bundlers and the signing-config machinery (≈15 ms more, measured). The
 * package has no "exports" map, so these paths are public; bun.lock pins them.
 */
export async function loadClients() {
  const [{ FulcioSigner }, { RekorWitness }, { TSAWitness }, { X509Certificate }] = await Promise.all([
    import("@sigstore/sign/dist/signer/fulcio/index.js") as Promise<Pick<typeof import("@sigstore/sign"), "FulcioSigner">>,
    import("@sigstore/sign/dist/witness/tlog/index.js") as Promise<Pick<typeof import("@sigstore/sign"), "RekorWitness">>,
    import("@sigstore/sign/dist/witness/tsa/index.js") as Promise<Pick<typeof import("@sigstore/sign"), "TSAWitness">>,
    import("@sigstore/core"),
  ]);
  return { FulcioSigner, RekorWitness, TSAWitness, X509Certificate };
}

export function serviceError(code: ErrorCode, service: string, url: string, flag: string, wanted: string, error: unknown, secret?: string): BunsealError {
  // sigstore-js nests the useful part (HTTP status and body, or the socket error) in causes
  const reasons: string[] = [];
  for (let e: unknown = error; e instanceof Error && reasons.length < 4; e = e.cause) if (!reasons.some((r) => r.includes(e.message))) reasons.push(e.message);
  let reason = reasons.join(": ") || String(error);
  // @sigstore/sign quotes the identity token in some messages; it is a bearer credential
  if (secret) reason = reason.replaceAll(secret, "[token]");
  return new BunsealError(code, `${service} at ${url}: expected ${wanted}, got an error (${reason})`, { field: flag, expected: wanted, found: reason, cause: error });
}

export function entryType(value: string): RekorEntryType {
  if ((REKOR_ENTRY_TYPES as readonly string[]).includes(value)) return value as RekorEntryType;
  throw new BunsealError("USAGE", `--rekor-entry-type: expected ${REKOR_ENTRY_TYPES.join(" or ")}, got ${JSON.stringify(value)}`, { field: "--rekor-entry-type", expected: REKOR_ENTRY_TYPES.join(" or "), found: value });
}

/** Private deployments may be plain http inside their network; anything else is a typo. */
export function serviceUrl(value: string, flag: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new BunsealError("USAGE", `${flag}: expected an http(s) URL, got ${JSON.stringify(value)}`, { field: flag, expected: "an http(s) URL", found: value });
  }
  return value.replace(/\/+$/, "");
}
