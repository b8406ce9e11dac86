/**
 * Signers by name (issue #20, What 5): a signers file maps key ids and keyless
 * identities to names; `verify --signers FILE` shows the name of the signer it
 * verified. A name is a label looked up after verification, never trust.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { rejection } from "../helpers/expect-error.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";
import { loadSignerNames } from "../../src/signers/load.ts";
import { signerName } from "../../src/signers/names.ts";

setDefaultTimeout(60_000);

let repo: GitRepo;
let keys: TestDir;
let keyId: string;
let artifact: string;

beforeAll(async () => {
  keys = await makeTempDir("bunseal-signers-");
  repo = await gitRepo({ ".gitignore": ".bunseal/\n", "package.json": JSON.stringify({ name: "named", private: true }), "bunseal.json": JSON.stringify({ service: "named", entrypoints: ["src/index.ts"] }), "src/index.ts": "console.log('named');\n" });
  const made = await runCli(["keygen", "--out", keys.path]);
  keyId = /key id\s+([0-9a-f]{64})/.exec(made.stdout + made.stderr)![1]!;
  const built = await runCli(["build", repo.path, "--key", join(keys.path, "bunseal.key"), "--json"]);
  artifact = built.json().artifact.path;
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), keys?.cleanup()]);
});

async function signersFile(content: unknown): Promise<string> {
  const path = join(keys.path, `signers-${crypto.randomUUID()}.json`);
  await Bun.write(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

test("verify --signers shows the name the file gives the key that signed, in text and in --json", async () => {
  const file = await signersFile({ signers: [{ name: "Release CI", keyId }, { name: "GitLab release", issuer: "https://gitlab.com", identity: "https://gitlab.com/acme/named//.gitlab-ci.yml@refs/heads/main" }] });
  const text = await runCli(["verify", artifact, "--key", join(keys.path, "bunseal.pub"), "--signers", file]);
  expect(text.stderr).toBe("");
  expect(text.exitCode).toBe(0);
  expect(text.stdout).toContain(`\n  signed by Release CI: key ${keyId.slice(0, 16)}…\n`);
  const json = await runCli(["verify", artifact, "--key", join(keys.path, "bunseal.pub"), "--signers", file, "--json"]);
  expect(json.json().signer).toEqual({ keyId, name: "Release CI" });
});

test("a key the file does not name is shown by its id alone, and --json has no name", async () => {
  const file = await signersFile({ signers: [{ name: "Someone else", keyId: "0".repeat(64) }] });
  const text = await runCli(["verify", artifact, "--key", join(keys.path, "bunseal.pub"), "--signers", file]);
  expect(text.exitCode).toBe(0);
  expect(text.stdout).toContain(`\n  signed by key ${keyId.slice(0, 16)}…\n`);
  const json = await runCli(["verify", artifact, "--key", join(keys.path, "bunseal.pub"), "--signers", file, "--json"]);
  expect(json.json().signer).toEqual({ keyId });
});

test("a signers file that names one key twice is refused (CONFIG_INVALID, exit 2): it would show one name where another was meant", async () => {
  const file = await signersFile({ signers: [{ name: "Release CI", keyId }, { name: "Someone else", keyId }] });
  const out = await runCli(["verify", artifact, "--key", join(keys.path, "bunseal.pub"), "--signers", file]);
  expect(out.exitCode).toBe(2);
  expect(out.stderr).toContain(`bunseal: CONFIG_INVALID: ${file}: the signers file is not valid (1 problem):\n  signers[1]: expected a signer no earlier entry names (signers[0] names it already)`);
});

test("a misspelt field, an empty name or a short key id is refused, naming the field", async () => {
  const error = await rejection(loadSignerNames(await signersFile({ signers: [{ name: "x", keyID: keyId }, { name: " ", keyId }, { name: "y", keyId: keyId.slice(0, 12) }] })));
  expect(error.code).toBe("CONFIG_INVALID");
  expect(error.message).toContain("the signers file is not valid");
  expect(error.message).toContain("signers[0]");
  expect(error.message).toContain("signers[1]");
  expect(error.message).toContain("signers[2]");
  const notJson = await rejection(loadSignerNames(await signersFile("{ signers")));
  expect(notJson.code).toBe("CONFIG_INVALID");
  expect(notJson.message).toContain("is not JSON");
});

test("a keyless signer is named only when both its issuer and its identity match exactly", async () => {
  const names = await loadSignerNames(await signersFile({ signers: [{ name: "GitLab release", issuer: "https://gitlab.com", identity: "https://gitlab.com/acme/named//.gitlab-ci.yml@refs/heads/main" }] }));
  expect(signerName(names, { issuer: "https://gitlab.com", identity: "https://gitlab.com/acme/named//.gitlab-ci.yml@refs/heads/main" })).toBe("GitLab release");
  // the same identity vouched for by another issuer is another signer
  expect(signerName(names, { issuer: "https://gitlab.example.com", identity: "https://gitlab.com/acme/named//.gitlab-ci.yml@refs/heads/main" })).toBeUndefined();
  expect(signerName(names, { issuer: "https://gitlab.com", identity: "https://gitlab.com/acme/named//.gitlab-ci.yml@refs/heads/other" })).toBeUndefined();
  expect(signerName(undefined, { keyId })).toBeUndefined();
});

test("trace --signers names the signer of each artifact whose attestation verified, in text and in --json", async () => {
  const store = `sqlite:${join(keys.path, `store-${crypto.randomUUID()}.db`)}`;
  const imported = await runCli(["store", "import", `${artifact}.sigstore.json`, "--store", store, "--key", join(keys.path, "bunseal.pub")]);
  expect(imported.exitCode, imported.stderr).toBe(0);
  const file = await signersFile({ signers: [{ name: "Release CI", keyId }] });
  const json = await runCli(["trace", artifact, "--store", store, "--signers", file, "--json"]);
  expect(json.exitCode, json.stderr).toBe(0);
  expect(json.json().matches.map((m: { verifies: boolean; signerName: string | null }) => [m.verifies, m.signerName])).toEqual([[true, "Release CI"]]);
  const text = await runCli(["trace", artifact, "--store", store, "--signers", file]);
  expect(text.stdout, text.stderr).toContain(`signed by    Release CI: key ${keyId.slice(0, 16)}…`);
  // without the file, no name and no field
  const plain = await runCli(["trace", artifact, "--store", store, "--json"]);
  expect(plain.json().matches[0]).not.toHaveProperty("signerName");
});
