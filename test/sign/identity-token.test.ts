/**
 * Where a keyless signature's OIDC token comes from, and what is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { tokenClaims, tokenSource } from "../../src/sign/identity-token.ts";
import { rejection } from "../helpers/expect-error.ts";
import { mintToken } from "../helpers/local-sigstore.ts";
import { startFakeGitHubOidc, type FakeGitHubOidc } from "./fake-github-oidc.ts";

const key = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
const token = (claims: Record<string, unknown>) => mintToken(key, claims);
let github: FakeGitHubOidc;

beforeAll(() => {
  github = startFakeGitHubOidc((audience) => token({ iss: "https://token.actions.githubusercontent.com", sub: "repo:o/r:ref:refs/heads/main", aud: audience }));
});
afterAll(() => github.stop());

describe("tokenSource", () => {
  test("the flag wins over SIGSTORE_ID_TOKEN, which wins over GitHub Actions", async () => {
    const env = { SIGSTORE_ID_TOKEN: "from-env", ...github.env };
    expect(tokenSource("from-flag", env).name).toBe("--identity-token");
    expect(await tokenSource("from-flag", env).getToken()).toBe("from-flag");
    expect(tokenSource(undefined, env).name).toBe("SIGSTORE_ID_TOKEN");
    expect(await tokenSource(undefined, env).getToken()).toBe("from-env");
    expect(tokenSource(undefined, github.env).name).toBe("github-actions");
  });

  test("asks GitHub Actions for audience sigstore with the job's bearer, keeping the URL's own query", async () => {
    const before = github.requests.length;
    const jwt = await tokenSource(undefined, { ...github.env, SIGSTORE_ID_TOKEN: "" }).getToken();
    expect(github.requests.slice(before)).toEqual([{ audience: "sigstore", authorized: true }]);
    expect(tokenClaims(jwt, "github-actions")).toEqual({ issuer: "https://token.actions.githubusercontent.com", subject: "repo:o/r:ref:refs/heads/main" });
  });

  test("no token anywhere is IDENTITY_TOKEN_MISSING naming all three ways to give one", () => {
    // empty values, as a CI template that forwards unset variables produces
    let error: unknown;
    try {
      tokenSource("", { SIGSTORE_ID_TOKEN: "", ACTIONS_ID_TOKEN_REQUEST_URL: github.env.ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "" });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "IDENTITY_TOKEN_MISSING", kind: "environment" });
    const message = (error as Error).message;
    for (const way of ["--identity-token", "SIGSTORE_ID_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "id-token: write"]) expect(message).toContain(way);
  });

  test("a refused GitHub request is IDENTITY_TOKEN_FAILED naming the endpoint, and never shows the bearer", async () => {
    const env = { ...github.env, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "revoked-bearer-value" };
    const error = await rejection(tokenSource(undefined, env).getToken());
    expect(error.code).toBe("IDENTITY_TOKEN_FAILED");
    expect(error.message).toContain(`${new URL(env.ACTIONS_ID_TOKEN_REQUEST_URL).origin}/_apis/distributedtask/id-token`);
    expect(error.message).toContain("got 403");
    expect(error.message).not.toContain("revoked-bearer-value");
  });
});

describe("tokenClaims", () => {
  test("reads the issuer and the subject Fulcio's challenge signs", () => {
    expect(tokenClaims(token({ iss: "https://issuer.example", sub: "someone" }), "SIGSTORE_ID_TOKEN")).toEqual({ issuer: "https://issuer.example", subject: "someone" });
    expect(tokenClaims(token({ iss: "https://accounts.example", sub: "1234", email: "a@example.com", email_verified: true }), "SIGSTORE_ID_TOKEN").subject).toBe("a@example.com");
  });

  test("rejects what is not a JWT, or lacks an issuer, without quoting the token", () => {
    const cases = [
      ["not-a-jwt", "1 dot-separated parts instead of 3"],
      ["a.b.c", "not base64url JSON"],
      [token({ sub: "x" }), "no iss claim"],
      [token({ iss: "https://issuer.example" }), "no sub claim"],
      // an unverified email would let anyone claim any address
      [token({ iss: "https://issuer.example", sub: "x", email: "ceo@example.com", email_verified: false }), "did not verify"],
    ] as const;
    for (const [jwt, why] of cases) {
      let error: unknown;
      try {
        tokenClaims(jwt, "--identity-token");
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: "IDENTITY_TOKEN_INVALID" });
      expect((error as Error).message).toContain(why);
      expect((error as Error).message).not.toContain(jwt);
    }
  });
});
