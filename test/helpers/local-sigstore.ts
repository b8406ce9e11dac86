/**
 * A private Sigstore on loopback for tests: Fulcio (with its CT log), Rekor and
 * a timestamp authority, each the handler @sigstore/mock ships (the same ones
 * sigstore-js tests itself with), served by Bun.serve on its own random port.
 * @sigstore/mock's own `mockFulcio()`/`mockRekor()` intercept through nock,
 * which patches node's http module in this process only; bunseal runs as a
 * child process and must reach the services over real sockets, so the handlers
 * are wrapped here instead.
 *
 * It also writes a TrustedRoot for exactly these services' keys and
 * certificates, so a bundle signed against them verifies offline with
 * `--trusted-root FILE`, and mints OIDC tokens for a fixed identity. The mock
 * Fulcio decodes the token without checking its signature or issuer (it has no
 * issuer to ask), so the token is signed with a throwaway key only to be a
 * well-formed JWT.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { join } from "node:path";
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, rekorHandler, tsaHandler, type HandlerFn } from "@sigstore/mock";
import { makeTempDir } from "./testdir.ts";

export interface LocalSigstore {
  fulcioUrl: string;
  rekorUrl: string;
  tsaUrl: string;
  /** TrustedRoot (protobuf-specs JSON form) for these services */
  trustedRoot: object;
  /** the same, written to a file */
  trustedRootPath: string;
  /** the OIDC issuer the tokens name, recorded in the certificate */
  issuer: string;
  /** the identity (`sub`) the tokens name: the certificate's SAN */
  identity: string;
  /** a fresh OIDC token for `identity` from `issuer` */
  token(): string;
  stop(): Promise<void>;
}

const ISSUER = "https://token.actions.githubusercontent.com";
const IDENTITY = "https://github.com/bunseal/example-service/.github/workflows/release.yml@refs/heads/main";

type Route = { path: string; fn: HandlerFn };

/**
 * `ct: false`: a Fulcio with no certificate-transparency log, whose certificates carry no SCT and
 * whose root lists no CT log, as GitHub's private instance (its trusted root lists only CAs and TSAs).
 */
export async function startLocalSigstore(options: { ct?: boolean } = {}): Promise<LocalSigstore> {
  // Whole seconds: X.509 and Rekor times carry no fraction, so a trust root
  // valid from a fractional instant would begin after the first certificate.
  const start = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
  const [fulcioKeys, ctlogKeys, rekorKeys, tsaKeys] = [0, 1, 2, 3].map(() => generateKeyPairSync("ec", { namedCurve: "prime256v1" }));

  const fulcio = serve();
  const rekor = serve();
  const tsa = serve();
  const ctlog = await initializeCTLog(ctlogKeys!);
  const ct = options.ct !== false;
  const ca = await initializeCA(fulcioKeys!, ct ? ctlog : undefined);
  // The checkpoint's origin line names the log's host, so the log needs its URL.
  const tlog = await initializeTLog(rekor.url, rekorKeys!);
  // The mock TSA writes its clock's milliseconds into the timestamp's
  // GeneralizedTime, without trailing zeros as DER requires (.05, .5), and
  // @sigstore/core reads a fraction only of exactly three digits ("invalid
  // time"): about one timestamp in ten would fail to verify. A Date set to the
  // current whole second before each request keeps the clock live (a fixed
  // one would predate every certificate issued after it) and fraction-free.
  const tsaClock = new Date();
  const authority = await initializeTSA(tsaKeys!, tsaClock);
  fulcio.route(fulcioHandler(ca));
  rekor.route(rekorHandler(tlog));
  const stamp = tsaHandler(authority);
  tsa.route({ path: stamp.path, fn: (body) => (tsaClock.setTime(Math.floor(Date.now() / 1000) * 1000), stamp.fn(body)) });

  const trustedRoot = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [transparencyLog(rekor.url, rekorKeys!.publicKey, start)],
    certificateAuthorities: [authorityEntry(fulcio.url, { organization: "sigstore.mock", commonName: "sigstore" }, [ca.rootCertificate], start)],
    ctlogs: ct ? [transparencyLog(fulcio.url, ctlogKeys!.publicKey, start)] : [],
    timestampAuthorities: [authorityEntry(tsa.url, { organization: "sigstore.mock", commonName: "tsa" }, [authority.intCertificate, authority.rootCertificate], start)],
  };
  const dir = await makeTempDir("bunseal-sigstore-");
  const trustedRootPath = join(dir.path, "trusted_root.json");
  await Bun.write(trustedRootPath, `${JSON.stringify(trustedRoot, null, 2)}\n`);

  const tokenKey = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
  return {
    fulcioUrl: fulcio.url,
    rekorUrl: rekor.url,
    tsaUrl: tsa.url,
    trustedRoot,
    trustedRootPath,
    issuer: ISSUER,
    identity: IDENTITY,
    token: () => mintToken(tokenKey, { iss: ISSUER, sub: IDENTITY, aud: "sigstore" }),
    async stop() {
      await Promise.all([fulcio.stop(), rekor.stop(), tsa.stop()]);
      await dir.cleanup();
    },
  };
}

/** A loopback server whose one POST route is set once the mock behind it exists. */
function serve() {
  let route: Route | undefined;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      if (!route || request.method !== "POST" || new URL(request.url).pathname !== route.path) return new Response("not found", { status: 404 });
      const { statusCode, response, contentType } = await route.fn(await request.text());
      return new Response(response as string | Uint8Array, { status: statusCode, headers: { "content-type": contentType ?? "text/plain" } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    route: (r: Route) => void (route = r),
    stop: () => server.stop(true),
  };
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

function transparencyLog(baseUrl: string, publicKey: KeyObject, start: Date) {
  const der = publicKey.export({ type: "spki", format: "der" });
  return {
    baseUrl,
    hashAlgorithm: "SHA2_256",
    publicKey: { rawBytes: b64(der), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor: { start: start.toISOString() } },
    logId: { keyId: b64(createHash("sha256").update(der).digest()) },
  };
}

function authorityEntry(uri: string, subject: { organization: string; commonName: string }, chain: ArrayBufferView[], start: Date) {
  return {
    subject,
    uri,
    certChain: { certificates: chain.map((der) => ({ rawBytes: b64(new Uint8Array(der.buffer, der.byteOffset, der.byteLength)) })) },
    validFor: { start: start.toISOString() },
  };
}

export function mintToken(key: KeyObject, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const body = `${part({ alg: "ES256", typ: "JWT" })}.${part({ iat: now, nbf: now, exp: now + 600, ...claims })}`;
  const signature = sign("sha256", Buffer.from(body), { key, dsaEncoding: "ieee-p1363" });
  return `${body}.${signature.toString("base64url")}`;
}
