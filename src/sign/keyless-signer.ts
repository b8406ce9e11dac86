/**
 * Keyless signing (Sigstore): an ephemeral P-256 key, certified by Fulcio for
 * the identity in an OIDC token, the signature logged in Rekor and, when a TSA
 * is named, timestamped. With `tlog: false` (a private instance, as GitHub's
 * own for private repositories) Rekor is never called and the TSA alone
 * gives the signature its trusted time. The @sigstore/sign pieces are the ones its own
 * `bundleBuilderFromSigningConfig` wires (FulcioSigner, RekorWitness,
 * TSAWitness); bunseal only chooses the URLs and turns their failures into
 * errors that name the service and the URL.
 */
import type { FulcioSigner, Signature, Witness } from "@sigstore/sign";
import { BunsealError } from "../errors.ts";
import { tokenClaims, tokenSource, type TokenSourceName } from "./identity-token.ts";
import type { Signer } from "./signer.ts";
import { entryType, FETCH, loadClients, PUBLIC_FULCIO_URL, PUBLIC_REKOR_URL, serviceError, serviceUrl, type RekorEntryType } from "./sigstore-services.ts";

export { PUBLIC_FULCIO_URL, PUBLIC_REKOR_URL, REKOR_ENTRY_TYPES, type RekorEntryType } from "./sigstore-services.ts";

export interface KeylessOptions {
  /** `--identity-token`; else taken from `env` (see identity-token.ts) */
  identityToken?: string;
  env: Readonly<Record<string, string | undefined>>;
  fulcioUrl?: string;
  rekorUrl?: string;
  /** no timestamp authority unless named: Rekor's integrated time already timestamps the signature */
  tsaUrl?: string;
  /** a string, since it comes from the command line; anything but REKOR_ENTRY_TYPES is refused */
  rekorEntryType?: string;
  /**
   * false: no transparency-log entry (`--no-tlog`), for an instance with no
   * Rekor; then a TSA is required, since nothing else would timestamp the
   * signature, and a Rekor setting is refused rather than ignored
   */
  tlog?: boolean;
}

/** What a keyless signature was bound to and where its evidence lives, once signed. */
export interface KeylessReceipt {
  tokenSource: TokenSourceName;
  issuer?: string;
  /** the certificate's subject alternative name */
  identity?: string;
  fulcioUrl: string;
  /** null with `tlog: false` */
  rekorUrl: string | null;
  rekorEntryType: RekorEntryType;
  /** whether the signature was logged in Rekor */
  tlog: boolean;
  logIndex?: string;
  tsaUrl: string | null;
}

export interface KeylessSigner extends Signer {
  readonly witnesses: readonly Witness[];
  readonly receipt: KeylessReceipt;
}

/**
 * Throws IDENTITY_TOKEN_MISSING at once when no token source exists, so the
 * build is not run only to fail at the end. The Sigstore clients start loading
 * now and finish while the bundler runs.
 */
export function keylessSigner(options: KeylessOptions): KeylessSigner {
  const tlog = options.tlog !== false;
  if (!tlog) checkNoTlog(options);
  const source = tokenSource(options.identityToken, options.env);
  const receipt: KeylessReceipt = {
    tokenSource: source.name,
    fulcioUrl: serviceUrl(options.fulcioUrl ?? PUBLIC_FULCIO_URL, "--fulcio-url"),
    rekorUrl: tlog ? serviceUrl(options.rekorUrl ?? PUBLIC_REKOR_URL, "--rekor-url") : null,
    rekorEntryType: entryType(options.rekorEntryType ?? "intoto"),
    tlog,
    tsaUrl: options.tsaUrl ? serviceUrl(options.tsaUrl, "--tsa-url") : null,
  };
  const clients = loadClients();
  clients.catch(() => undefined); // awaited when signing; an early failure must not go unobserved

  const rekorUrl = receipt.rekorUrl;
  const rekor: Witness | undefined = rekorUrl
    ? {
        async testify(content, publicKey) {
          const { RekorWitness } = await clients;
          const witness = new RekorWitness({ rekorBaseURL: rekorUrl, entryType: receipt.rekorEntryType, ...FETCH });
          const evidence = await witness.testify(content, publicKey).catch((error) => {
            throw serviceError("REKOR_FAILED", "Rekor", rekorUrl, "--rekor-url", "a transparency log entry", error);
          });
          receipt.logIndex = evidence.tlogEntries?.[0]?.logIndex;
          return evidence;
        },
      }
    : undefined;
  const tsaUrl = receipt.tsaUrl;
  const tsa: Witness | undefined = tsaUrl
    ? {
        async testify(content) {
          const { TSAWitness } = await clients;
          return new TSAWitness({ tsaBaseURL: tsaUrl, ...FETCH }).testify(content).catch((error) => {
            throw serviceError("TSA_FAILED", "the timestamp authority", tsaUrl, "--tsa-url", "an RFC 3161 timestamp", error);
          });
        },
      }
    : undefined;

  return {
    receipt,
    witnesses: [rekor, tsa].filter((w): w is Witness => w !== undefined),
    async sign(data: Buffer): Promise<Signature> {
      const token = await source.getToken();
      receipt.issuer = tokenClaims(token, source.name).issuer;
      const { FulcioSigner: Fulcio, X509Certificate } = await clients;
      // A new FulcioSigner per signature: its ephemeral key then signs exactly one statement.
      const fulcio: FulcioSigner = new Fulcio({ fulcioBaseURL: receipt.fulcioUrl, identityProvider: { getToken: async () => token }, ...FETCH });
      const signature = await fulcio.sign(data).catch((error) => {
        throw serviceError("FULCIO_FAILED", "Fulcio", receipt.fulcioUrl, "--fulcio-url", "a signing certificate", error, token);
      });
      if (signature.key.$case === "x509Certificate") receipt.identity = X509Certificate.parse(signature.key.certificate).subjectAltName;
      return signature;
    },
  };
}

/**
 * A signature with neither a log entry nor a timestamp has no trusted time, so
 * no verifier could check the certificate was valid when it signed; and a
 * Rekor setting beside --no-tlog would be silently ignored.
 */
function checkNoTlog(options: KeylessOptions): void {
  if (!options.tsaUrl) {
    throw new BunsealError("USAGE", "--no-tlog: expected --tsa-url with it; without a transparency log only a timestamp authority can say when the signature was made", { field: "--no-tlog", expected: "--tsa-url" });
  }
  const stray = options.rekorUrl !== undefined ? "--rekor-url" : options.rekorEntryType !== undefined ? "--rekor-entry-type" : undefined;
  if (stray) throw new BunsealError("USAGE", `${stray} names the transparency log that --no-tlog leaves out; expected one of them`, { field: stray, expected: "--no-tlog or a Rekor, not both" });
}
