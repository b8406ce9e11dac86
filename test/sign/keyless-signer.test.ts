/**
 * The keyless signer as the build pipeline calls it (signStatement), against
 * the local Sigstore: properties a single CLI run cannot show.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL } from "@sigstore/sign";
import { bundleFromJSON } from "@sigstore/bundle";
import { X509Certificate } from "@sigstore/core";
import { PUBLIC_FULCIO_URL, PUBLIC_REKOR_URL, keylessSigner } from "../../src/sign/keyless-signer.ts";
import { signStatement } from "../../src/sign/sign-statement.ts";
import { startLocalSigstore, type LocalSigstore } from "../helpers/local-sigstore.ts";
import { startFakeGitHubOidc, type FakeGitHubOidc } from "./fake-github-oidc.ts";

let sigstore: LocalSigstore;
let github: FakeGitHubOidc;

beforeAll(async () => {
  sigstore = await startLocalSigstore();
  github = startFakeGitHubOidc(() => sigstore.token());
});
afterAll(async () => {
  await Promise.all([sigstore?.stop(), github?.stop()]);
});

const statement = new TextEncoder().encode('{"_type":"https://in-toto.io/Statement/v1"}');

test("the defaults are Sigstore's public-good instances, as @sigstore/sign names them", () => {
  // bunseal keeps its own copies so that naming a default does not load @sigstore/sign
  expect(PUBLIC_FULCIO_URL).toBe(DEFAULT_FULCIO_URL);
  expect(PUBLIC_REKOR_URL).toBe(DEFAULT_REKOR_URL);
});

test("the CI token is fetched when signing, not when the signer is made (it may expire during a long build)", async () => {
  const before = github.requests.length;
  const signer = keylessSigner({ env: github.env, fulcioUrl: sigstore.fulcioUrl, rekorUrl: sigstore.rekorUrl });
  expect(github.requests.length).toBe(before);
  await signStatement(statement, signer);
  expect(github.requests.length).toBe(before + 1);
});

test("every signature gets a fresh key, so a leaked key signs nothing else", async () => {
  const signer = keylessSigner({ env: { SIGSTORE_ID_TOKEN: sigstore.token() }, fulcioUrl: sigstore.fulcioUrl, rekorUrl: sigstore.rekorUrl });
  const keys: string[] = [];
  for (let i = 0; i < 2; i++) {
    const bundle = bundleFromJSON(await signStatement(statement, signer));
    const material = bundle.verificationMaterial.content;
    if (material.$case !== "certificate") throw new Error(`expected a certificate, got ${material.$case}`);
    keys.push(X509Certificate.parse(Buffer.from(material.certificate.rawBytes)).publicKey.toString("hex"));
  }
  expect(keys[0]).not.toBe(keys[1]);
});
