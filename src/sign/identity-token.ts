/**
 * The OIDC token a keyless signature is bound to: Fulcio certifies the
 * identity it names. Three sources, most explicit first, so a token the user
 * passed on purpose always wins over one the CI machine happens to offer:
 *   1. `--identity-token TOKEN`
 *   2. `SIGSTORE_ID_TOKEN` (cosign's and sigstore-js's variable)
 *   3. GitHub Actions: a token requested from ACTIONS_ID_TOKEN_REQUEST_URL
 *      with ACTIONS_ID_TOKEN_REQUEST_TOKEN, audience "sigstore"
 * The environment comes from the caller (ctx.env), never from process.env,
 * and the token is never put in an error message: it is a bearer credential.
 */
import { BunsealError } from "../errors.ts";

export type TokenSourceName = "--identity-token" | "SIGSTORE_ID_TOKEN" | "github-actions";

export interface TokenSource {
  name: TokenSourceName;
  /** fetched when signing, not before: CI tokens live minutes, and a build can take longer */
  getToken(): Promise<string>;
}

export interface TokenClaims {
  issuer: string;
  /**
   * the claim the proof of possession signs: `email` when present and verified,
   * else `sub`. The certificate may name another (Fulcio gives a GitHub
   * workflow's token the workflow's URL), so the identity to report is read
   * from the certificate, not from here.
   */
  subject: string;
}

export const AUDIENCE = "sigstore";
const GITHUB_ATTEMPTS = 3;
const GITHUB_TIMEOUT_MS = 10_000;

export const TOKEN_SOURCES_HELP =
  "pass --identity-token TOKEN, set SIGSTORE_ID_TOKEN, or run in GitHub Actions with `permissions: id-token: write` (which sets ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN)";

/** Picks the source now, so a missing token stops the run before anything is built. */
export function tokenSource(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): TokenSource {
  // An empty value is no value: a CI template that forwards an unset secret yields "".
  if (flag) return { name: "--identity-token", getToken: async () => flag };
  const fromEnv = env.SIGSTORE_ID_TOKEN;
  if (fromEnv) return { name: "SIGSTORE_ID_TOKEN", getToken: async () => fromEnv };
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (url && bearer) return { name: "github-actions", getToken: () => requestGitHubToken(url, bearer) };
  throw new BunsealError("IDENTITY_TOKEN_MISSING", `--keyless needs an OIDC identity token, and none was found; expected one of: ${TOKEN_SOURCES_HELP}`, {
    field: "--identity-token",
    expected: "an OIDC token from --identity-token, SIGSTORE_ID_TOKEN or GitHub Actions",
    found: "none",
  });
}

async function requestGitHubToken(requestUrl: string, bearer: string): Promise<string> {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch (cause) {
    throw new BunsealError("IDENTITY_TOKEN_FAILED", `ACTIONS_ID_TOKEN_REQUEST_URL: expected a URL, got ${JSON.stringify(requestUrl)}`, { field: "ACTIONS_ID_TOKEN_REQUEST_URL", cause });
  }
  url.searchParams.set("audience", AUDIENCE);
  const where = `${url.origin}${url.pathname}`;
  let last = "";
  for (let attempt = 1; attempt <= GITHUB_ATTEMPTS; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { headers: { accept: "application/json", authorization: `Bearer ${bearer}` }, signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS) });
    } catch (cause) {
      last = (cause as Error).message;
      continue;
    }
    // 4xx will not change on a retry (a revoked request token, a missing permission)
    if (!response.ok && response.status < 500) {
      throw new BunsealError("IDENTITY_TOKEN_FAILED", `GitHub Actions' token endpoint ${where} refused the request: expected 200, got ${response.status} (does the job have \`permissions: id-token: write\`?)`, { field: "ACTIONS_ID_TOKEN_REQUEST_URL", expected: "200", found: String(response.status) });
    }
    if (!response.ok) {
      last = `HTTP ${response.status}`;
      continue;
    }
    const body = (await response.json().catch(() => undefined)) as { value?: unknown } | undefined;
    if (typeof body?.value === "string" && body.value) return body.value;
    throw new BunsealError("IDENTITY_TOKEN_FAILED", `GitHub Actions' token endpoint ${where}: expected JSON {"value": TOKEN}, got something else`, { field: "ACTIONS_ID_TOKEN_REQUEST_URL", expected: '{"value": TOKEN}' });
  }
  throw new BunsealError("IDENTITY_TOKEN_FAILED", `GitHub Actions' token endpoint ${where} could not be reached after ${GITHUB_ATTEMPTS} attempts (${last})`, { field: "ACTIONS_ID_TOKEN_REQUEST_URL", found: last });
}

/**
 * Reads (does not verify: Fulcio does) the claims a certificate will carry.
 * Checked here because @sigstore/sign's own parse error quotes the whole token.
 */
export function tokenClaims(token: string, source: TokenSourceName): TokenClaims {
  const invalid = (what: string) => new BunsealError("IDENTITY_TOKEN_INVALID", `the identity token from ${source}: expected a JWT with iss and sub (or a verified email), got ${what}`, { field: source, expected: "a JWT" });
  const parts = token.split(".");
  if (parts.length !== 3) throw invalid(`${parts.length} dot-separated parts instead of 3`);
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
  } catch {
    throw invalid("a payload that is not base64url JSON");
  }
  if (typeof claims !== "object" || claims === null) throw invalid("a payload that is not a JSON object");
  const { iss, sub, email, email_verified: verified } = claims;
  if (typeof iss !== "string" || !iss) throw invalid("no iss claim");
  // the same choice as @sigstore/sign and Fulcio: a present email wins, and must be verified
  if (email !== undefined) {
    if (typeof email !== "string" || verified !== true) throw invalid("an email claim its issuer did not verify");
    return { issuer: iss, subject: email };
  }
  if (typeof sub !== "string" || !sub) throw invalid("no sub claim");
  return { issuer: iss, subject: sub };
}
