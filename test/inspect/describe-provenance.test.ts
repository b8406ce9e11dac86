/**
 * Other tools' provenance, in the shapes they publish (statements written
 * here after each tool's documented format), and one real bundle from
 * GitHub's attest action (the Sigstore conformance corpus).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { describeProvenance } from "../../src/inspect/describe-provenance.ts";
import { runCli } from "../helpers/cli.ts";

const commit = "15bf79ea9c89fffbf5dd02c6b5b686b291bfcbd2";
const subject = [{ name: "app.tgz", digest: { sha256: "a".repeat(64) } }];

describe("describeProvenance", () => {
  test("GitHub's attest action (SLSA v1, GitHub workflow build type)", () => {
    const summary = describeProvenance({
      _type: "https://in-toto.io/Statement/v1",
      subject,
      predicateType: "https://slsa.dev/provenance/v1",
      predicate: {
        buildDefinition: {
          buildType: "https://actions.github.io/buildtypes/workflow/v1",
          externalParameters: { workflow: { ref: "refs/heads/main", repository: "https://github.com/acme/shop", path: ".github/workflows/release.yml" } },
          resolvedDependencies: [{ uri: "git+https://github.com/acme/shop@refs/heads/main", digest: { gitCommit: commit } }],
        },
        runDetails: { builder: { id: "https://github.com/acme/shop/.github/workflows/release.yml@refs/heads/main" } },
      },
    });
    expect(summary).toMatchObject({ producer: "github-actions", sourceRepository: "git+https://github.com/acme/shop", commit, ref: "refs/heads/main", workflow: ".github/workflows/release.yml" });
  });

  test("npm publish provenance (SLSA v1, subjects are package URLs)", () => {
    const summary = describeProvenance({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "pkg:npm/%40acme/shop@1.2.3", digest: { sha512: "b".repeat(128) } }],
      predicateType: "https://slsa.dev/provenance/v1",
      predicate: {
        buildDefinition: {
          buildType: "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
          externalParameters: { workflow: { ref: "refs/tags/v1.2.3", repository: "https://github.com/acme/shop", path: ".github/workflows/publish.yml" } },
          resolvedDependencies: [{ uri: "git+https://github.com/acme/shop@refs/tags/v1.2.3", digest: { gitCommit: commit } }],
        },
        runDetails: { builder: { id: "https://github.com/actions/runner/github-hosted" } },
      },
    });
    expect(summary).toMatchObject({ producer: "npm", commit, ref: "refs/tags/v1.2.3", workflow: ".github/workflows/publish.yml", builderId: "https://github.com/actions/runner/github-hosted" });
  });

  test("slsa-github-generator (SLSA v0.2 on Statement v0.1)", () => {
    const summary = describeProvenance({
      _type: "https://in-toto.io/Statement/v0.1",
      subject,
      predicateType: "https://slsa.dev/provenance/v0.2",
      predicate: {
        builder: { id: "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v1.9.0" },
        buildType: "https://github.com/slsa-framework/slsa-github-generator/generic@v1",
        invocation: { configSource: { uri: "git+https://github.com/acme/shop@refs/heads/main", digest: { sha1: commit }, entryPoint: ".github/workflows/release.yml" } },
        materials: [{ uri: "git+https://github.com/acme/shop@refs/heads/main", digest: { sha1: commit } }],
      },
    });
    expect(summary).toMatchObject({ statementType: "https://in-toto.io/Statement/v0.1", producer: "slsa-github-generator", sourceRepository: "git+https://github.com/acme/shop", commit, ref: "refs/heads/main", workflow: ".github/workflows/release.yml" });
  });

  test("an unknown predicate is described as far as the statement goes", () => {
    const summary = describeProvenance({ _type: "https://in-toto.io/Statement/v1", subject, predicateType: "https://example.com/custom/v1", predicate: {} });
    expect(summary).toMatchObject({ producer: "other", commit: null, subjects: [{ name: "app.tgz" }] });
  });
});

describe("bunseal inspect", () => {
  test("reads a real bundle from GitHub's attest action: repository, commit, workflow, certificate identity", async () => {
    const bundle = join(import.meta.dir, "..", "fixtures", "sigstore-conformance", "bundle-verify", "happy-path-intoto-in-dsse-v3", "bundle.sigstore.json");
    const out = await runCli(["inspect", bundle, "--json"]);
    expect(out.exitCode).toBe(0);
    const report = out.json();
    expect(report.provenance).toMatchObject({ producer: "github-actions", sourceRepository: "git+https://github.com/loosebazooka/aa-test", commit: "ebff8dfbd609b7b22237c7719ce07f2dc7934f5f", workflow: ".github/workflows/provenance.yaml" });
    expect(report.signer).toMatchObject({ kind: "certificate", issuer: "https://token.actions.githubusercontent.com" });
    expect(report.signer.identity).toContain("extremely-dangerous-oidc-beacon.yml");
  });

  test("a file that is no bundle is bad input (exit 2)", async () => {
    const out = await runCli(["inspect", join(import.meta.dir, "describe-provenance.test.ts"), "--json"]);
    expect(out.exitCode).toBe(2);
    expect(out.json().error.code).toBe("BUNDLE_INVALID");
  });
});
