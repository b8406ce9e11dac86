/**
 * Keyless signing (Sigstore): an ephemeral P-256 key, certified by Fulcio for
 * the identity in an OIDC token, the signature logged in Rekor and, when a TSA
 * is named, timestamped. The @sigstore/sign pieces are the ones its own
 * `bundleBuilderFromSigningConfig` wires (FulcioSigner, RekorWitness,
 * TSAWitness); bunseal only chooses the URLs and turns their failures into
 * errors that name the service and the URL.
 */
import type { FulcioSigner, Signature, Witness } from "@sigstore/sign";
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
}

/** What a keyless signature was bound to and where its evidence lives, once signed. */
export interface KeylessReceipt {
  tokenSource: TokenSourceName;
  issuer?: string;
  /** the certificate's subject alternative name */
  identity?: string;
  fulcioUrl: string;
  rekorUrl: string;
  rekorEntryType: RekorEntryType;
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
  const source = tokenSource(options.identityToken, options.env);
  const receipt: KeylessReceipt = {
    tokenSource: source.name,
    fulcioUrl: serviceUrl(options.fulcioUrl ?? PUBLIC_FULCIO_URL, "--fulcio-url"),
    rekorUrl: serviceUrl(options.rekorUrl ?? PUBLIC_REKOR_URL, "--rekor-url"),
    rekorEntryType: entryType(options.rekorEntryType ?? "intoto"),
    tsaUrl: options.tsaUrl ? serviceUrl(options.tsaUrl, "--tsa-url") : null,
  };
  const clients = loadClients();
  clients.catch(() => undefined); // awaited when signing; an early failure must not go unobserved

  const rekor: Witness = {
    async testify(content, publicKey) {
      const { RekorWitness } = await clients;
      const witness = new RekorWitness({ rekorBaseURL: receipt.rekorUrl, entryType: receipt.rekorEntryType, ...FETCH });
      const evidence = await witness.testify(content, publicKey).catch((error) => {
        throw serviceError("REKOR_FAILED", "Rekor", receipt.rekorUrl, "--rekor-url", "a transparency log entry", error);
      });
      receipt.logIndex = evidence.tlogEntries?.[0]?.logIndex;
      return evidence;
    },
  };
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
    witnesses: tsa ? [rekor, tsa] : [rekor],
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
