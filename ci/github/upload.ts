/**
 * The action's upload step (`upload: true`): the build's Sigstore bundle stored with GitHub's
 * attestations API, so that `gh attestation verify` and the repository's Attestations page find
 * bunseal's provenance:
 *
 *   POST {GITHUB_API_URL}/repos/{owner}/{repo}/attestations   {"bundle": <the bundle>}
 *
 * with the job's token (bearer; the workflow needs `permissions: attestations: write`). Only this
 * step has the token in its environment. A bundle signed with a key is refused before anything is
 * sent: GitHub's verification trusts certificates from a Sigstore instance, not a key of ours.
 * Prints `attestation-id` and `attestation-url` to GITHUB_OUTPUT and a line to the job summary.
 */
import { appendFileSync, readFileSync } from "node:fs";

export class UploadError extends Error {
  constructor(message: string, readonly status: 2 | 3) {
    super(message);
  }
}

export interface UploadRequest {
  bundlePath: string;
  apiUrl: string;
  /** owner/name */
  repository: string;
  token: string;
  fetch?: typeof fetch;
}

export async function uploadAttestation(request: UploadRequest): Promise<{ id: number }> {
  if (!request.token) throw new UploadError("upload needs a token; expected the github-token input (default: the job's token, with permissions: attestations: write)", 2);
  if (!/^[\w.-]+\/[\w.-]+$/.test(request.repository)) throw new UploadError(`GITHUB_REPOSITORY: expected owner/name, got ${JSON.stringify(request.repository)}`, 2);
  let bundle: { verificationMaterial?: Record<string, unknown> };
  try {
    bundle = JSON.parse(readFileSync(request.bundlePath, "utf8"));
  } catch (error) {
    throw new UploadError(`${request.bundlePath}: expected the build's Sigstore bundle, got ${(error as Error).message}`, 2);
  }
  const material = bundle.verificationMaterial ?? {};
  if (!("certificate" in material) && !("x509CertificateChain" in material)) {
    throw new UploadError(`${request.bundlePath} is signed with a key; GitHub's attestations verify a Sigstore certificate: expected a keyless build (keyless: true, no key input)`, 2);
  }
  const url = `${request.apiUrl.replace(/\/+$/, "")}/repos/${request.repository}/attestations`;
  let response: Response;
  try {
    response = await (request.fetch ?? fetch)(url, {
      method: "POST",
      headers: { accept: "application/vnd.github+json", authorization: `Bearer ${request.token}`, "content-type": "application/json", "x-github-api-version": "2022-11-28" },
      body: JSON.stringify({ bundle }),
    });
  } catch (error) {
    throw new UploadError(`POST ${url}: ${(error as Error).message}`, 3);
  }
  const text = await response.text();
  if (response.status !== 201 && response.status !== 200) {
    const hint = response.status === 403 || response.status === 401 ? " (the workflow needs permissions: attestations: write and id-token: write)" : "";
    throw new UploadError(`POST ${url}: expected 201 Created, got ${response.status}${hint}: ${text.slice(0, 300)}`, 3);
  }
  const id = (JSON.parse(text) as { id?: unknown }).id;
  if (typeof id !== "number") throw new UploadError(`POST ${url}: expected {"id": <number>}, got ${text.slice(0, 300)}`, 3);
  return { id };
}

if (import.meta.main) {
  const env = process.env;
  try {
    const repository = env.GITHUB_REPOSITORY ?? "";
    const { id } = await uploadAttestation({ bundlePath: env.BUNSEAL_BUNDLE_PATH ?? "", apiUrl: env.GITHUB_API_URL || "https://api.github.com", repository, token: env.BUNSEAL_GITHUB_TOKEN ?? "" });
    const page = `${env.GITHUB_SERVER_URL || "https://github.com"}/${repository}/attestations/${id}`;
    if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `attestation-id=${id}\nattestation-url=${page}\n`);
    if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `Attestation stored with GitHub: [${id}](${page}); \`gh attestation verify ARTIFACT --repo ${repository}\` finds it.\n\n`);
  } catch (error) {
    if (!(error instanceof UploadError)) throw error;
    const message = error.message.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
    await Bun.write(Bun.stderr, `::error title=bunseal upload::${message}\n`);
    process.exitCode = error.status;
  }
}
